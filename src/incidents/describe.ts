/**
 * Human-facing words derived from alerts: incident titles, timeline summaries, severity order.
 * Pure functions; no I/O.
 */
import type { Alert, Notification } from '../model/incident.ts';

const MAX_TITLE = 200;

/** Collapses whitespace (newlines included) to single spaces and caps the length. */
export function oneLine(text: string, max = MAX_TITLE): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** The alert's name, or `alert` when it carries no `alertname` label. */
export function alertName(alert: Alert): string {
  return alert.labels.alertname ?? 'alert';
}

/**
 * Title of an incident opened by `alert`: its `summary` annotation when present, else the
 * alert name followed by the notification's group labels (Alertmanager's grouping key labels),
 * e.g. `KafkaConsumerGroupLagHigh (cluster=prod, consumergroup=billing)`.
 */
export function incidentTitle(alert: Alert, notification: Notification): string {
  const summary = alert.annotations.summary;
  if (summary !== undefined && summary.trim() !== '') return oneLine(summary);
  const keyLabels = Object.entries(notification.groupLabels)
    .filter(([name]) => name !== 'alertname')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`);
  const name = alertName(alert);
  return oneLine(keyLabels.length === 0 ? name : `${name} (${keyLabels.join(', ')})`);
}

/** Summary of an alert state for the timeline, e.g. `KafkaDiskFull firing: disk 91% on broker 2`. */
export function alertSummary(alert: Alert, stale: boolean): string {
  const detail = alert.annotations.summary ?? alert.annotations.description;
  const label = alert.labels.instance ?? alert.labels.topic ?? alert.labels.consumergroup;
  const subject = detail !== undefined && detail.trim() !== '' ? `: ${oneLine(detail)}` : label !== undefined ? ` (${label})` : '';
  const late = stale ? ' [late delivery, superseded by a newer state]' : '';
  return `${alertName(alert)} ${alert.status}${subject}${late}`;
}

/** Severity order, highest first; unknown severities are never compared. */
const SEVERITY_ORDER = ['critical', 'error', 'warning', 'info'];

/**
 * The incident's severity after seeing an alert of severity `candidate`: it escalates when the
 * candidate ranks higher (critical > error > warning > info), never drops.
 */
export function escalateSeverity(current: string | null, candidate: string | undefined): string | null {
  if (candidate === undefined || candidate === '') return current;
  if (current === null) return candidate;
  const c = SEVERITY_ORDER.indexOf(current.toLowerCase());
  const n = SEVERITY_ORDER.indexOf(candidate.toLowerCase());
  return c !== -1 && n !== -1 && n < c ? candidate : current;
}
