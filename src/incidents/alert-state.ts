/**
 * Which state of an alert is the current one, whatever order the notifications arrived in.
 *
 * Alertmanager identifies an alert by its fingerprint (a hash of its labels); each time the
 * alert starts firing anew it gets a new `startsAt` (an episode). Within one episode the alert
 * goes firing -> resolved and never back. So the current state of a fingerprint is the state
 * with the latest `startsAt`, and within the same `startsAt` a resolved state beats a firing
 * one. A state older than the current one is "stale": a late or reordered delivery. It is kept
 * on the timeline (it happened) but never changes the incident's status.
 */
import type { Alert } from '../model/incident.ts';

/** Orders two states of the same fingerprint: negative when `a` is older than `b`. */
export function compareStates(a: Alert, b: Alert): number {
  const byStart = Date.parse(a.startsAt) - Date.parse(b.startsAt);
  if (byStart !== 0) return byStart;
  return rank(a) - rank(b);
}

function rank(alert: Alert): number {
  return alert.status === 'resolved' ? 1 : 0;
}

/** The current state of each fingerprint among `alerts` (any order), keyed by fingerprint. */
export function currentStates(alerts: Iterable<Alert>): Map<string, Alert> {
  const current = new Map<string, Alert>();
  for (const alert of alerts) {
    const seen = current.get(alert.fingerprint);
    if (seen === undefined || compareStates(alert, seen) > 0) current.set(alert.fingerprint, alert);
  }
  return current;
}

/**
 * Every episode of every fingerprint among `alerts` (any order): for each fingerprint and
 * `startsAt`, its latest state (resolved beats firing), ordered by `startsAt`, then fingerprint.
 * A re-fired alert has one entry per firing; `episode` counts them per fingerprint from 1.
 */
export function episodes(alerts: Iterable<Alert>): Array<{ alert: Alert; episode: number }> {
  const latest = new Map<string, Alert>();
  for (const alert of alerts) {
    const key = `${alert.fingerprint}\u0000${Date.parse(alert.startsAt)}`;
    const seen = latest.get(key);
    if (seen === undefined || compareStates(alert, seen) > 0) latest.set(key, alert);
  }
  const ordered = [...latest.values()].sort(
    (a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt) || (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0),
  );
  const counts = new Map<string, number>();
  return ordered.map((alert) => {
    const episode = (counts.get(alert.fingerprint) ?? 0) + 1;
    counts.set(alert.fingerprint, episode);
    return { alert, episode };
  });
}

/**
 * Whether `alert` is older than a state already known for its fingerprint (`known` may hold
 * other fingerprints; they are ignored).
 */
export function isStale(alert: Alert, known: Iterable<Alert>): boolean {
  for (const other of known) {
    if (other.fingerprint === alert.fingerprint && compareStates(alert, other) < 0) return true;
  }
  return false;
}

/** Whether `alert` repeats a known state: same fingerprint, status and startsAt (a duplicate delivery). */
export function isSameState(alert: Alert, other: Alert): boolean {
  return alert.fingerprint === other.fingerprint && alert.status === other.status && Date.parse(alert.startsAt) === Date.parse(other.startsAt);
}
