/**
 * The incident page's containments: each change in force with its changes, prior state and
 * revert button, and how it is let go (docs/engine.md "Releases"): the release mode, what the
 * release does next and when, a failed revert being retried, a loop-breaker hold with the
 * buttons to hand it back to automation or clear it; then the escalations of the incident.
 * One live region: it is fetched again when the timeline grows.
 */
import type { TimelineEntry } from '../../model/incident.ts';
import type { Containment, IncidentDetail } from '../../incidents/overview.ts';
import { html, jsonBlock, type Html } from '../html.ts';
import { changesTable } from './evidence.ts';
import { can, formFields, time, type PageContext } from './layout.ts';

const MODES: Record<string, string> = {
  'on-resolve': 'on-resolve: released as soon as the alert resolves',
  'when-recovered': 'when-recovered: released once the recovery condition has held long enough',
  gradual: 'gradual: relaxed level by level back to the prior state once the alert resolves, each level once the recovery condition (if any) has held long enough',
  manual: 'manual: released by hand only',
  never: 'never: a permanent fix',
};

function base(id: string): string {
  return `/incidents/${encodeURIComponent(id)}`;
}

/** What the release of this change does next, in one sentence. */
function nextStep(c: Containment): Html {
  const r = c.release;
  const level = r.level > 0 ? ` It is relaxed ${r.level} level${r.level === 1 ? '' : 's'} from the change as applied.` : '';
  const early = r.tooEarly > 0 ? ` Released too early ${r.tooEarly} time${r.tooEarly === 1 ? '' : 's'} in this episode: its release waits longer.` : '';
  switch (r.status) {
    case 'held':
      return html`<strong>Held by the loop breaker:</strong> nothing releases it automatically.${level}`;
    case 'releasing':
      return html`<strong>Release under way.</strong> Next check ${time(r.nextAt)}; ${r.mode === 'gradual' ? 'the next level is taken once the condition has held long enough' : r.mode === 'on-resolve' ? 'it is reverted once the alert has stayed resolved long enough' : 'it is reverted once the condition has held long enough'}.${level}${early}`;
    case 'retrying':
      return html`<strong>Revert failed ${r.attempts} time${r.attempts === 1 ? '' : 's'}, retried automatically;</strong> next try ${time(r.nextAt)}.${r.lastError === null ? '' : html` Last error: <code>${r.lastError}</code>`}`;
    case 'failed':
      return html`<strong>Revert failed and is not retried:</strong> revert it by hand (the error is on the timeline).`;
    default:
      return c.revert === 'on-resolve'
        ? html`In force while the alert fires; released when it resolves.${level}${early}`
        : html`In force until a person reverts it.`;
  }
}

function holdForm(ctx: PageContext, d: IncidentDetail, c: Containment): Html {
  if (c.release.status !== 'held' || !can(ctx.user, 'responder')) return html``;
  const id = `hold-reason-${c.claimId}`;
  return html`<form method="post" action="${base(d.incident.id)}/hold" class="inline hold">${formFields(ctx)}
<label for="${id}">Why it is safe now</label><input id="${id}" type="text" name="reason" maxlength="2000" required>
<button type="submit" name="how" value="hand-back" class="primary">Hand back to automation</button>
<button type="submit" name="how" value="clear" class="danger">Clear the hold and revert now</button></form>`;
}

function containment(ctx: PageContext, d: IncidentDetail, c: Containment): Html {
  const release = c.release;
  return html`<article aria-labelledby="containment-${c.claimId}" class="${release.status === 'held' || release.status === 'retrying' || release.status === 'failed' ? 'needs' : ''}">
<h3 id="containment-${c.claimId}">Step ${c.stepId}: ${c.action} <span class="badge release-${release.status}">${release.status}</span></h3>
<p>Applied ${time(c.appliedAt)}.${c.status === 'interrupted' ? ' The process stopped during this change: it may or may not be in place.' : ''}</p>
<dl class="facts release">
<dt>Release mode</dt><dd>${MODES[release.mode] ?? release.mode}</dd>
<dt>Next</dt><dd>${nextStep(c)}</dd>
</dl>
${holdForm(ctx, d, c)}
${changesTable(c.plan, { from: 'Before (restored by a revert)', to: 'Set by firebreak' })}
<details><summary>Prior state as recorded</summary>${jsonBlock(c.prior)}</details>
${c.revert !== 'never' && can(ctx.user, 'responder')
  ? html`<form method="post" action="${base(d.incident.id)}/revert" class="inline">${formFields(ctx)}<input type="hidden" name="step" value="${c.stepId}"><button type="submit" class="danger">Revert ${c.stepId}</button></form>`
  : ''}
</article>`;
}

function escalations(entries: readonly TimelineEntry[]): Html {
  const found = entries.filter((e) => e.kind === 'incident.escalated');
  if (found.length === 0) return html``;
  return html`<h3>Escalations (${found.length})</h3><ul>${found.map((e) => html`<li>${time(e.at)} <span class="badge">${String(e.data.reason ?? 'escalated')}</span> ${e.summary}</li>`)}</ul>`;
}

export function containmentsSection(ctx: PageContext, d: IncidentDetail, entries: readonly TimelineEntry[]): Html {
  const releasing = d.containments.filter((c) => c.release.status === 'releasing' || c.release.status === 'retrying').length;
  return html`<section id="containments" data-live aria-labelledby="containments-heading">
<h2 id="containments-heading">Containments in force (${d.containments.length})</h2>
${d.containments.length === 0 ? html`<p class="muted">No change firebreak made is in place.</p>` : html`${releasing > 0 ? html`<p>${releasing} release${releasing === 1 ? '' : 's'} under way.</p>` : ''}${d.containments.map((c) => containment(ctx, d, c))}`}
${escalations(entries)}
</section>`;
}

