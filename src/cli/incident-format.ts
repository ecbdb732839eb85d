/**
 * Human-readable text of incidents, approvals and timeline entries for the terminal commands
 * (`incidents`, `incident`, `approvals`). Pure functions of the API's JSON and `now`; column
 * widths follow the content. Scripts use `--json` instead: this text may change.
 */
import { FIGURES } from '../incidents/figures.ts';
import { formatDuration } from '../core/duration.ts';
import type { ContainmentRelease, IncidentDetail, IncidentSummary, WaitingApproval } from '../incidents/overview.ts';
import type { TimelineEntry } from '../model/incident.ts';

/** Rows under a header, columns padded to their widest cell; the last column is not padded. */
/** How a containment is let go, in one line: mode, state, and what happens next. */
function releaseLine(r: ContainmentRelease): string {
  const parts = [r.mode, r.status === 'held' ? 'HELD (nothing releases it automatically)' : r.status];
  if (r.level > 0) parts.push(`relaxed ${r.level} level${r.level === 1 ? '' : 's'}`);
  if (r.tooEarly > 0) parts.push(`released too early ${r.tooEarly}x`);
  if (r.nextAt !== null) parts.push(`${r.status === 'retrying' ? 'next try' : 'next check'} ${r.nextAt}`);
  if (r.attempts > 0) parts.push(`${r.attempts} failed attempt${r.attempts === 1 ? '' : 's'}${r.lastError === null ? '' : `: ${r.lastError}`}`);
  return parts.join(', ');
}

export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

const dash = (value: string | null | undefined) => (value === null || value === undefined || value === '' ? '-' : value);

/** `4m 12s` from an ISO time to `now`. */
export function age(from: string, now: number): string {
  return formatDuration(Math.max(0, now - Date.parse(from)), 'human');
}

export function incidentsTable(items: readonly IncidentSummary[], now: number): string {
  if (items.length === 0) return 'No incidents.\n';
  return table(
    ['ID', 'STATUS', 'SEVERITY', 'CLUSTER', 'RUNBOOK', 'AGE', 'CONTAINED', 'APPROVALS', 'TITLE'],
    items.map((i) => [
      i.id,
      i.status,
      dash(i.severity),
      dash(i.cluster),
      dash(i.runbook),
      age(i.startedAt, now),
      String(i.containmentsInForce),
      i.pendingApprovals > 0 ? `${i.pendingApprovals} WAITING` : '0',
      i.title,
    ]),
  );
}

/** `resource key: from -> to` for each change of a stored plan. */
export function planLines(plan: unknown): string[] {
  const changes = (plan as { changes?: unknown } | null)?.changes;
  if (!Array.isArray(changes)) return [];
  return changes.map((c: { resource?: unknown; key?: unknown; from?: unknown; to?: unknown }) => `${String(c.resource)} ${String(c.key)}: ${show(c.from)} -> ${show(c.to)}`);
}

function show(value: unknown): string {
  return value === null || value === undefined ? '(unset)' : typeof value === 'string' ? value : JSON.stringify(value);
}

/** When an approval expires, relative to now. */
function expiry(expiresAt: string, now: number): string {
  const left = Date.parse(expiresAt) - now;
  return left > 0 ? `expires in ${formatDuration(left, 'human')} (${expiresAt})` : `expired at ${expiresAt}`;
}

export function approvalsText(items: readonly WaitingApproval[], now: number): string {
  if (items.length === 0) return 'No approval is waiting.\n';
  const blocks = items.map((a) => {
    const who = a.commander === null ? 'any responder' : `${a.commander} (commander), or any responder`;
    return [
      `${a.incident.id}  step ${a.stepId}  ${a.action}  ${expiry(a.expiresAt, now)}`,
      `  incident: ${a.incident.title} [${a.incident.status}${a.incident.severity === null ? '' : `, ${a.incident.severity}`}${a.incident.cluster === null ? '' : `, cluster ${a.incident.cluster}`}]`,
      `  waits for: ${who}`,
      ...planLines(a.plan).map((l) => `  would change: ${l}`),
      `  decide: firebreak approve ${a.incident.id} ${a.stepId}   |   firebreak reject ${a.incident.id} ${a.stepId}`,
    ].join('\n');
  });
  return `${blocks.join('\n\n')}\n`;
}

/** One timeline line: time, phase, actor, kind, summary. */
export function entryLine(entry: TimelineEntry): string {
  return `${entry.at}  ${(entry.phase ?? '-').padEnd(15)} ${entry.actor.padEnd(12)} ${entry.kind.padEnd(18)} ${entry.summary}`;
}

export function incidentText(detail: IncidentDetail, timeline: readonly TimelineEntry[], now: number): string {
  const { incident } = detail;
  const out: string[] = [];
  out.push(`${incident.id}  ${incident.title}`);
  out.push(
    `status ${incident.status}   severity ${dash(incident.severity)}   cluster ${dash(incident.cluster)}   runbook ${dash(incident.runbook)}   age ${age(incident.startedAt, now)}`,
  );
  out.push('');
  out.push('Figures:');
  for (const figure of FIGURES) {
    const ms = detail.figures[figure.name];
    out.push(`  ${figure.label.padEnd(16)} ${(ms === null ? 'not yet' : formatDuration(ms, 'human')).padEnd(9)} (${figure.definition})`);
  }
  out.push('');
  out.push(`Alerts (${detail.alerts.length}):`);
  for (const alert of detail.alerts) {
    const labels = Object.entries(alert.labels)
      .filter(([k]) => k !== 'alertname')
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    out.push(`  ${alert.status.padEnd(8)} ${alert.labels.alertname ?? 'alert'}  ${labels}`);
  }
  if (detail.roles.length > 0) out.push('', `Roles: ${detail.roles.map((r) => `${r.role} ${r.person}`).join(', ')}`);
  out.push('');
  out.push(`Containments in force (${detail.containments.length}):`);
  if (detail.containments.length === 0) out.push('  none: no change firebreak made is in place');
  for (const c of detail.containments) {
    out.push(`  step ${c.stepId}  ${c.action}  applied ${c.appliedAt}  revert: ${c.revert}${c.status === 'interrupted' ? '  (interrupted: may or may not be in place)' : ''}${c.revertStatus === 'failed' ? '  REVERT FAILED' : ''}`);
    for (const line of planLines(c.plan)) out.push(`    ${line}`);
    out.push(`    release: ${releaseLine(c.release)}`);
    if (c.release.status === 'held') out.push(`    held by the loop breaker: once it is safe, firebreak hold ${incident.id} hand-back|clear --reason <why>`);
    out.push(`    revert by hand: firebreak revert ${incident.id} --step ${c.stepId}`);
  }
  out.push('');
  out.push(`Approvals waiting (${detail.approvals.length}):`);
  if (detail.approvals.length === 0) out.push('  none');
  for (const a of detail.approvals) {
    out.push(`  step ${a.stepId}  ${a.action}  ${expiry(a.expiresAt, now)}`);
    for (const line of planLines(a.plan)) out.push(`    would change: ${line}`);
    out.push(`    decide: firebreak approve ${incident.id} ${a.stepId}   |   firebreak reject ${incident.id} ${a.stepId}`);
  }
  out.push('');
  out.push(`Timeline (${timeline.length}):`);
  for (const entry of timeline) out.push(`  ${entryLine(entry)}`);
  return `${out.join('\n')}\n`;
}
