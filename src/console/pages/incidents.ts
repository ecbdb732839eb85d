/** The incidents page: what needs a person on top, then every incident, newest first, with filters and pages. */
import { formatDuration } from '../../core/duration.ts';
import { INCIDENT_STATUSES, type IncidentStatus } from '../../model/incident.ts';
import { byAttention, type IncidentSummary, type WaitingApproval } from '../../incidents/overview.ts';
import { html, type Html } from '../html.ts';
import { page, time, type PageContext } from './layout.ts';

/** Filters of the list, applied by the store before the page is cut (each a list of exact values, any matches). */
export interface IncidentFilters {
  status: IncidentStatus[];
  cluster: string[];
  severity: string[];
}

function row(i: IncidentSummary, now: number): Html {
  return html`<tr>
<td><a href="/incidents/${encodeURIComponent(i.id)}">${i.title}</a><div class="muted">${i.id}</div></td>
<td><span class="badge status-${i.status}">${i.status}</span></td>
<td>${i.severity ?? '—'}</td>
<td>${i.cluster ?? '—'}</td>
<td>${i.runbook ?? 'none'}</td>
<td>${formatDuration(Math.max(0, now - Date.parse(i.startedAt)), 'human')}</td>
<td>${i.containmentsInForce}</td>
<td>${i.pendingApprovals > 0 ? html`<strong>${i.pendingApprovals} waiting</strong>` : '0'}</td>
</tr>`;
}

/** The list's address with these filters (and a cursor): what the pager links to. */
function listHref(filters: IncidentFilters, cursor?: string): string {
  const query = new URLSearchParams();
  if (filters.status.length > 0) query.set('status', filters.status.join(','));
  if (filters.cluster.length > 0) query.set('cluster', filters.cluster.join(','));
  if (filters.severity.length > 0) query.set('severity', filters.severity.join(','));
  if (cursor !== undefined) query.set('cursor', cursor);
  return query.size === 0 ? '/' : `/?${query}`;
}

export function incidentsPage(
  ctx: PageContext,
  input: { items: IncidentSummary[]; waiting: WaitingApproval[]; filters: IncidentFilters; nextCursor: string | null; paged: boolean; now: number },
): Html {
  const { filters } = input;
  const filtered = filters.status.length + filters.cluster.length + filters.severity.length > 0;
  const needs = input.waiting.length === 0
    ? ''
    : html`<section class="needs" aria-labelledby="needs-heading"><h2 id="needs-heading">Waiting for a person (${input.waiting.length})</h2><ul>${input.waiting.map(
        (a) => html`<li><a href="/incidents/${encodeURIComponent(a.incidentId)}#approvals">${a.incident.title}</a>: step <strong>${a.stepId}</strong> (${a.action}) waits for an approval until ${time(a.expiresAt)}${a.commander === null ? '' : ` (commander: ${a.commander})`}</li>`,
      )}</ul></section>`;
  const pager =
    input.nextCursor === null && !input.paged
      ? ''
      : html`<nav class="pager" aria-label="Pages">${input.paged ? html`<a href="${listHref(filters)}">Newest incidents</a>` : ''}${input.nextCursor === null ? html`<span class="muted">No older incidents${filtered ? ' match these filters' : ''}.</span>` : html`<a href="${listHref(filters, input.nextCursor)}">Older incidents</a>`}</nav>`;
  const body = html`<h1>Incidents</h1>
<div id="needs" data-live>${needs}</div>
<form method="get" action="/" class="filters" aria-label="Filters">
<div><label for="f-status">Status</label><select id="f-status" name="status"><option value="">any</option>${INCIDENT_STATUSES.map((s) => html`<option value="${s}"${filters.status.length === 1 && filters.status[0] === s ? html` selected` : ''}>${s}</option>`)}<option value="open,contained"${filters.status.join(',') === 'open,contained' ? html` selected` : ''}>open or contained</option></select></div>
<div><label for="f-cluster">Cluster</label><input id="f-cluster" type="text" name="cluster" value="${filters.cluster.join(', ')}" aria-describedby="f-hint"></div>
<div><label for="f-severity">Severity</label><input id="f-severity" type="text" name="severity" value="${filters.severity.join(', ')}" aria-describedby="f-hint"></div>
<button type="submit">Filter</button>
<p id="f-hint" class="muted">Exact values; several separated by commas.</p>
</form>
<div id="incidents" data-live>
${input.items.length === 0
  ? html`<p>No incidents${filtered ? ' match these filters' : input.paged ? ' on this page' : ' yet'}.</p>`
  : html`<table><caption class="muted">What needs a person first (approvals waiting, then containments in force, then open), newest first within each; ${input.items.length} on this page.</caption>
<thead><tr><th scope="col">Incident</th><th scope="col">Status</th><th scope="col">Severity</th><th scope="col">Cluster</th><th scope="col">Runbook</th><th scope="col">Age</th><th scope="col">Containments in force</th><th scope="col">Approvals waiting</th></tr></thead>
<tbody>${byAttention(input.items).map((i) => row(i, input.now))}</tbody></table>`}
${pager}
</div>`;
  return page(ctx, { title: 'Incidents', events: '/console/events', body });
}
