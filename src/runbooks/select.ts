/**
 * Which runbook handles an alert, and which incident the alert belongs to.
 *
 * Selection: exactly one runbook handles an alert. Among the runbooks whose matchers all match
 * the alert's labels, the one with the highest `priority` wins; on a tie, the most specific
 * (the most matchers); on a tie again, the first name in alphabetical order. Several runbooks
 * never run for the same alert: their steps could fight over the same quota or config.
 *
 * Grouping: the incident key is the runbook name followed by the `groupBy` labels in
 * Alertmanager's label-set notation, `consumer-lag{cluster="eu1",consumergroup="billing"}`.
 * Labels are sorted by name (reordering `groupBy` does not split incidents); missing and empty
 * labels are left out (Prometheus treats them alike). `groupBy: []` puts every matching alert in
 * one incident (`consumer-lag{}`); `groupBy: ['...']` groups by every label, i.e. one incident
 * per distinct alert. Alerts no runbook matches use the notification's group key, which starts
 * with `{` and so never collides with a runbook key (runbook names start with a letter).
 */
import type { Alert } from '../model/incident.ts';
import { escapeLabelValue, matchesLabels } from './matchers.ts';
import { GROUP_BY_ALL, type Runbook } from './types.ts';

/** Precedence order: negative when `a` wins over `b`. */
export function compareRunbooks(a: Runbook, b: Runbook): number {
  return b.priority - a.priority || b.match.length - a.match.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Every runbook matching the labels, best first (what `simulate` shows). */
export function matchingRunbooks(runbooks: readonly Runbook[], labels: Readonly<Record<string, string>>): Runbook[] {
  return runbooks.filter((r) => matchesLabels(r.match, labels)).sort(compareRunbooks);
}

/** The runbook that handles an alert with these labels, or null when none matches. */
export function selectRunbook(runbooks: readonly Runbook[], labels: Readonly<Record<string, string>>): Runbook | null {
  return matchingRunbooks(runbooks, labels)[0] ?? null;
}

function labelSet(labels: Readonly<Record<string, string>>, names: readonly string[]): string {
  const parts = [...new Set(names)]
    .filter((n) => Object.hasOwn(labels, n) && labels[n] !== '')
    .sort()
    .map((n) => `${n}="${escapeLabelValue(labels[n] ?? '')}"`);
  return `{${parts.join(',')}}`;
}

/** The incident key of an alert handled by `runbook` (see the module comment). */
export function incidentKey(runbook: Pick<Runbook, 'name' | 'groupBy'>, alert: Pick<Alert, 'labels'>): string {
  const names = runbook.groupBy.includes(GROUP_BY_ALL) ? Object.keys(alert.labels) : runbook.groupBy;
  return `${runbook.name}${labelSet(alert.labels, names)}`;
}

/** The incident key of an alert no runbook matches: the notification's group key, as is. */
export function unmatchedIncidentKey(groupKey: string): string {
  return groupKey;
}
