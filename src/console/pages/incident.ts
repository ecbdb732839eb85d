/**
 * The incident page: status and figures, what waits for a person (approvals with their plan),
 * containments in force with their release state (containments.ts), the timeline phase by phase,
 * evidence as tables, alerts, roles, notes, status updates, action items and the post-mortem.
 * Live regions (`data-live`) are swapped in place when the timeline grows.
 */
import { FIGURES } from '../../incidents/figures.ts';
import { formatDuration } from '../../core/duration.ts';
import { PHASES, ROLE_NAMES, type Phase, type TimelineEntry } from '../../model/incident.ts';
import { noteText, parseNote } from '../../incidents/notes.ts';
import type { IncidentDetail } from '../../incidents/overview.ts';
import type { Postmortem } from '../../incidents/postmortem.ts';
import { html, jsonBlock, type Html } from '../html.ts';
import { containmentsSection } from './containments.ts';
import { changesTable, valueTable } from './evidence.ts';
import { can, formFields, page, time, type PageContext } from './layout.ts';

const PHASE_CHOICES: ReadonlyArray<Phase | null> = [...PHASES, null];

function base(id: string): string {
  return `/incidents/${encodeURIComponent(id)}`;
}

function approvals(ctx: PageContext, d: IncidentDetail): Html {
  const items = d.approvals.map(
    (a) => html`<article aria-labelledby="approval-${a.id}">
<h3 id="approval-${a.id}">Step ${a.stepId}: ${a.action} <span class="muted">(runbook ${a.runbook})</span></h3>
<p>Requested ${time(a.requestedAt)}; expires ${time(a.expiresAt)}. After that it does not run.</p>
<h4>What it would change</h4>
${changesTable(a.plan)}
<details><summary>Parameters</summary>${jsonBlock(a.params)}</details>
${can(ctx.user, 'responder')
  ? html`<form method="post" action="${base(d.incident.id)}/steps/${encodeURIComponent(a.stepId)}/decide" class="inline">${formFields(ctx)}
<label for="reason-${a.id}">Reason</label><input id="reason-${a.id}" type="text" name="reason" maxlength="2000">
<button type="submit" name="verdict" value="approve" class="primary">Approve ${a.stepId}</button>
<button type="submit" name="verdict" value="reject">Reject ${a.stepId}</button></form>`
  : html`<p class="muted">A responder can approve or reject this step.</p>`}
</article>`,
  );
  return html`<section id="approvals" data-live aria-labelledby="approvals-heading" class="${d.approvals.length > 0 ? 'needs' : ''}">
<h2 id="approvals-heading">Approvals waiting (${d.approvals.length})</h2>
${d.approvals.length === 0 ? html`<p class="muted">Nothing waits for an approval.</p>` : items}
</section>`;
}

function figures(d: IncidentDetail): Html {
  return html`<section id="figures" data-live aria-labelledby="figures-heading">
<h2 id="figures-heading">Figures</h2>
<table><thead><tr><th scope="col">Figure</th><th scope="col">Value</th><th scope="col">Definition</th></tr></thead><tbody>
${FIGURES.map((f) => {
  const ms = d.figures[f.name];
  return html`<tr><th scope="row">${f.label}</th><td>${ms === null ? 'not yet' : formatDuration(ms, 'human')}</td><td>${f.definition}</td></tr>`;
})}
</tbody></table></section>`;
}

function timeline(entries: readonly TimelineEntry[]): Html {
  const groups = PHASE_CHOICES.map((phase) => ({ phase, entries: entries.filter((e) => e.phase === phase) })).filter((g) => g.entries.length > 0);
  return html`<section id="timeline" data-live aria-labelledby="timeline-heading">
<h2 id="timeline-heading">Timeline (${entries.length})</h2>
${groups.map(
  (g) => html`<h3>${g.phase ?? 'Incident'}</h3><ol class="timeline">${g.entries.map(
    (e) => html`<li id="entry-${e.id}">${time(e.at)}<span class="kind">${e.kind}</span> · ${e.actor}: ${e.summary}</li>`,
  )}</ol>`,
)}
</section>`;
}

function evidence(pm: Postmortem): Html {
  return html`<section id="evidence" data-live aria-labelledby="evidence-heading">
<h2 id="evidence-heading">Evidence (${pm.evidence.length})</h2>
${pm.evidence.length === 0
  ? html`<p class="muted">No identification step has run.</p>`
  : pm.evidence.map((e) => html`<h3>${e.step ?? 'step'} <span class="muted">${e.action ?? ''} · ${time(e.at)}</span></h3><p>${e.summary}</p>${valueTable(e.output)}`)}
</section>`;
}

function alerts(d: IncidentDetail): Html {
  return html`<section id="alerts" data-live aria-labelledby="alerts-heading">
<h2 id="alerts-heading">Alerts (${d.alerts.length})</h2>
<table><thead><tr><th scope="col">State</th><th scope="col">Alert</th><th scope="col">Labels</th><th scope="col">Started</th><th scope="col">Ended</th></tr></thead><tbody>
${d.alerts.map(
  (a) => html`<tr><td>${a.status}</td><td>${a.labels.alertname ?? 'alert'}${a.annotations.summary === undefined ? '' : html`<div class="muted">${a.annotations.summary}</div>`}</td><td>${Object.entries(a.labels)
    .filter(([k]) => k !== 'alertname')
    .map(([k, v]) => html`<div>${k}=${v}</div>`)}</td><td>${time(a.startsAt)}</td><td>${time(a.endsAt)}</td></tr>`,
)}
</tbody></table></section>`;
}

function people(ctx: PageContext, d: IncidentDetail, entries: readonly TimelineEntry[]): Html {
  const id = d.incident.id;
  const writer = can(ctx.user, 'responder');
  const notes = entries.filter((e) => e.kind === 'note');
  const updates = entries.filter((e) => e.kind === 'status.update');
  return html`<section id="roles" aria-labelledby="roles-heading">
<h2 id="roles-heading">Roles</h2>
<div id="role-list" data-live>${d.roles.length === 0 ? html`<p class="muted">No role assigned.</p>` : html`<dl class="facts">${d.roles.map((r) => html`<dt>${r.role}</dt><dd>${r.person} <span class="muted">(by ${r.assignedBy}, ${time(r.assignedAt)})</span></dd>`)}</dl>`}</div>
${writer
  ? html`<form method="post" action="${base(id)}/roles" class="inline">${formFields(ctx)}<label for="role">Role</label><select id="role" name="role">${ROLE_NAMES.map((r) => html`<option value="${r}">${r}</option>`)}</select><label for="person">Person</label><input id="person" type="text" name="person" maxlength="200" required><button type="submit">Assign</button></form>`
  : ''}
</section>
<section id="status-updates" aria-labelledby="updates-heading">
<h2 id="updates-heading">Status updates for stakeholders</h2>
<div id="update-list" data-live>${updates.length === 0 ? html`<p class="muted">None posted.</p>` : html`<ul>${updates.map((u) => html`<li>${time(u.at)} ${u.actor}: <strong>What we know:</strong> ${String(u.data.known ?? '')} <strong>What we do:</strong> ${String(u.data.doing ?? '')} <strong>Next update:</strong> ${u.data.nextUpdateAt === null ? 'none planned' : time(String(u.data.nextUpdateAt))}</li>`)}</ul>`}</div>
${writer
  ? html`<form method="post" action="${base(id)}/status-updates" class="stack">${formFields(ctx)}
<label for="known">What we know</label><textarea id="known" name="known" maxlength="4000" required></textarea>
<label for="doing">What we do</label><textarea id="doing" name="doing" maxlength="4000" required></textarea>
<label for="next">Next update in (minutes; empty: none planned)</label><input id="next" type="number" name="nextInMinutes" min="1" max="1440">
<button type="submit">Post the status update</button></form>`
  : ''}
</section>
<section id="notes" aria-labelledby="notes-heading">
<h2 id="notes-heading">Notes</h2>
<div id="note-list" data-live>${notes.length === 0 ? html`<p class="muted">No notes.</p>` : html`<ul>${notes.map((n) => {
    const parsed = parseNote(noteText(n));
    return html`<li>${time(n.at)} ${n.actor}${parsed.tag === null ? '' : html` <span class="badge">${parsed.tag}${parsed.whyIndex === null ? '' : ` ${parsed.whyIndex}`}</span>`}: ${parsed.text}</li>`;
  })}</ul>`}</div>
${writer
  ? html`<form method="post" action="${base(id)}/notes" class="stack">${formFields(ctx)}
<label for="note">Note (start with why:, root-cause:, lesson: or impact: to feed the post-mortem)</label><textarea id="note" name="text" maxlength="10000" required></textarea>
<button type="submit">Add the note</button></form>`
  : ''}
</section>
<section id="action-items" aria-labelledby="items-heading">
<h2 id="items-heading">Action items</h2>
<div id="item-list" data-live>${d.actionItems.length === 0 ? html`<p class="muted">None.</p>` : html`<ul>${d.actionItems.map((i) => html`<li>${i.title}${i.owner === null ? '' : ` (owner: ${i.owner})`}${i.dueDate === null ? '' : `, due ${i.dueDate}`}</li>`)}</ul>`}</div>
${writer
  ? html`<form method="post" action="${base(id)}/action-items" class="inline">${formFields(ctx)}<label for="item-title">Action item</label><input id="item-title" type="text" name="title" maxlength="500" required><label for="item-owner">Owner</label><input id="item-owner" type="text" name="owner" maxlength="200"><button type="submit">Add</button></form>`
  : ''}
</section>`;
}

function postmortem(ctx: PageContext, d: IncidentDetail, pm: Postmortem): Html {
  const id = d.incident.id;
  return html`<section id="postmortem" data-live aria-labelledby="postmortem-heading">
<h2 id="postmortem-heading">Post-mortem</h2>
<p><a href="${base(id)}/postmortem.md" download="${id}-postmortem.md">Download the post-mortem as Markdown</a></p>
<h3>Impact</h3>${pm.overview.impact.length === 0 ? html`<p class="muted">Not stated yet (add a note starting with impact:).</p>` : html`<ul>${pm.overview.impact.map((i) => html`<li>${i}</li>`)}</ul>`}
<h3>Five whys</h3><ol>${pm.rootCause.whys.map((w) => html`<li>${w.prompt} ${w.answer === null ? html`<span class="muted">(unanswered)</span>` : html`<strong>${w.answer.text}</strong> <span class="muted">(${w.answer.author})</span>`}</li>`)}</ol>
<h3>Root cause</h3>${pm.rootCause.statements.length === 0 ? html`<p class="muted">Not stated yet.</p>` : html`<ul>${pm.rootCause.statements.map((s) => html`<li>${s.text} <span class="muted">(${s.author})</span></li>`)}</ul>`}
<h3>Lessons learned</h3>${pm.lessons.length === 0 ? html`<p class="muted">None yet.</p>` : html`<ul>${pm.lessons.map((s) => html`<li>${s.text}</li>`)}</ul>`}
<h3>Participants</h3><p>${pm.participants.map((p) => `${p.name} (${p.entries})`).join(', ')}</p>
${d.incident.status !== 'closed' && can(ctx.user, 'responder')
  ? html`<form method="post" action="${base(id)}/close" class="inline">${formFields(ctx)}<label for="close-reason">Reason</label><input id="close-reason" type="text" name="reason" maxlength="2000"><button type="submit">Close the incident</button></form>`
  : ''}
</section>`;
}

export function incidentPage(ctx: PageContext, input: { detail: IncidentDetail; timeline: readonly TimelineEntry[]; postmortem: Postmortem }): Html {
  const { detail: d } = input;
  const i = d.incident;
  const body = html`<h1>${i.title}</h1>
<div id="summary" data-live>
<dl class="facts">
<dt>Status</dt><dd><span class="badge status-${i.status}">${i.status}</span></dd>
<dt>Incident</dt><dd>${i.id}</dd>
<dt>Severity</dt><dd>${i.severity ?? '—'}</dd>
<dt>Cluster</dt><dd>${i.cluster ?? '—'}</dd>
<dt>Runbook</dt><dd>${i.runbook ?? 'none (evidence only)'}</dd>
<dt>Started</dt><dd>${time(i.startedAt)}</dd>
<dt>Opened</dt><dd>${time(i.openedAt)}</dd>
</dl>
</div>
${approvals(ctx, d)}
${containmentsSection(ctx, d, input.timeline)}
${figures(d)}
${alerts(d)}
${timeline(input.timeline)}
${evidence(input.postmortem)}
${people(ctx, d, input.timeline)}
${postmortem(ctx, d, input.postmortem)}`;
  return page(ctx, { title: i.title, events: `/console/events?incident=${encodeURIComponent(i.id)}`, body });
}
