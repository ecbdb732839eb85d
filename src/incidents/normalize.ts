/**
 * Turns a stored Alertmanager webhook body (payload version "4") into a {@link Notification}.
 *
 * Ingest validated the body against the JSON Schema before storing it; this module still checks
 * the fields it reads, because it runs later, from the store, possibly after an upgrade, and a
 * body it cannot read must fail with a stable code instead of corrupting an incident.
 *
 * Normalisation rules:
 * - times become canonical ISO-8601 UTC with milliseconds (`2026-01-01T00:00:00.000Z`), so they
 *   compare as strings and deduplicate reliably (Alertmanager sends nanoseconds and offsets);
 * - `endsAt` equal to Go's zero time (`0001-01-01T00:00:00Z`, "unset") becomes null;
 * - an empty `generatorURL` becomes null;
 * - labels and annotations are kept exactly as given (unicode included); non-string values,
 *   which the schema forbids, are rejected.
 */
import { invalidNotification } from './errors.ts';
import type { Alert, AlertStatus, Notification } from './model.ts';

/** Anything at or before year 1 is Go's zero time: Alertmanager's way of saying "unset". */
const ZERO_TIME_LIMIT = Date.parse('0001-01-02T00:00:00Z');

/** Canonical ISO-8601 UTC form of a time given as epoch milliseconds or as an RFC 3339 string. */
export function toIso(value: number | string): string {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw invalidNotification(`not a valid time: ${String(value)}`);
  return new Date(ms).toISOString();
}

/** Milliseconds since the epoch of an ISO-8601 time. */
export function toMs(iso: string): number {
  return Date.parse(iso);
}

export function normalizeNotification(payload: unknown): Notification {
  const body = asObject(payload, 'payload');
  if (body.version !== '4') {
    throw invalidNotification(`unsupported webhook payload version ${JSON.stringify(body.version)}`, { field: 'version' });
  }
  const alerts = body.alerts;
  if (!Array.isArray(alerts)) throw invalidNotification('alerts must be an array', { field: 'alerts' });
  return {
    version: '4',
    groupKey: str(body.groupKey, 'groupKey'),
    truncatedAlerts: typeof body.truncatedAlerts === 'number' ? body.truncatedAlerts : 0,
    status: status(body.status, 'status'),
    receiver: str(body.receiver ?? '', 'receiver'),
    groupLabels: strMap(body.groupLabels, 'groupLabels'),
    commonLabels: strMap(body.commonLabels, 'commonLabels'),
    commonAnnotations: strMap(body.commonAnnotations, 'commonAnnotations'),
    externalURL: str(body.externalURL ?? '', 'externalURL'),
    alerts: alerts.map((a, i) => normalizeAlert(a, `alerts[${i}]`)),
  };
}

function normalizeAlert(value: unknown, where: string): Alert {
  const a = asObject(value, where);
  const startsAt = time(a.startsAt, `${where}.startsAt`);
  if (startsAt === null) throw invalidNotification(`${where}.startsAt is unset`, { field: `${where}.startsAt` });
  const generatorURL = a.generatorURL === undefined || a.generatorURL === null ? '' : str(a.generatorURL, `${where}.generatorURL`);
  return {
    fingerprint: str(a.fingerprint, `${where}.fingerprint`),
    status: status(a.status, `${where}.status`),
    labels: strMap(a.labels, `${where}.labels`),
    annotations: strMap(a.annotations, `${where}.annotations`),
    startsAt,
    endsAt: a.endsAt === undefined || a.endsAt === null ? null : time(a.endsAt, `${where}.endsAt`),
    generatorURL: generatorURL === '' ? null : generatorURL,
  };
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidNotification(`${where} must be an object`, { field: where });
  }
  return value as Record<string, unknown>;
}

function str(value: unknown, where: string): string {
  if (typeof value !== 'string') throw invalidNotification(`${where} must be a string`, { field: where });
  return value;
}

function status(value: unknown, where: string): AlertStatus {
  if (value !== 'firing' && value !== 'resolved') {
    throw invalidNotification(`${where} must be "firing" or "resolved"`, { field: where });
  }
  return value;
}

function strMap(value: unknown, where: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  const obj = asObject(value, where);
  // fromEntries defines own properties, so a label named `__proto__` stays a label.
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, str(v, `${where}.${k}`)]));
}

/** Canonical ISO time, or null for Go's zero time. */
function time(value: unknown, where: string): string | null {
  const text = str(value, where);
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw invalidNotification(`${where} is not an RFC 3339 time: ${text}`, { field: where });
  return ms < ZERO_TIME_LIMIT ? null : new Date(ms).toISOString();
}
