/**
 * Turns an Alertmanager webhook body (payload version "4") into a {@link Notification}: the one
 * definition of what firebreak can read. Ingest runs it before answering (src/ingest/validate.ts),
 * so a 200 promises exactly what processing, which runs it again later from the store, accepts.
 *
 * The envelope (version, groupKey, status, the group maps) must be readable or the whole body is
 * refused. Each alert is read on its own: an alert that cannot be read is rejected with the
 * JSON pointer of the problem and its neighbours are kept (one bad alert never takes the others
 * with it).
 *
 * What an alert must be (the published `WEBHOOK_ALERT_SCHEMA` describes the same):
 * - an object with `status` firing|resolved, `fingerprint` (1 to 256 characters), `labels` and
 *   optional `annotations` (string values only; null maps are empty), `generatorURL` (string or
 *   null);
 * - `startsAt` an RFC 3339 time that is set: Go's zero time (`0001-01-01T00:00:00Z`, "unset")
 *   cannot tell one firing episode from another, so such an alert is rejected;
 * - `endsAt` an RFC 3339 time, null, or the zero time (becomes null).
 *
 * Times become canonical ISO-8601 UTC with milliseconds (`2026-01-01T00:00:00.000Z`), so they
 * compare as strings and deduplicate reliably (Alertmanager sends nanoseconds and offsets). A
 * leap second (`23:59:60`, valid RFC 3339, which `Date.parse` refuses) is read as the last
 * millisecond of its minute: it sorts before the next minute and reads the same every time.
 * Labels and annotations are kept exactly as given (unicode included).
 */
import { invalidNotification } from './errors.ts';
import type { Alert, AlertStatus, Notification } from '../model/incident.ts';

/** Anything at or before year 1 is Go's zero time: Alertmanager's way of saying "unset". */
const ZERO_TIME_LIMIT = Date.parse('0001-01-02T00:00:00Z');

/** Longest fingerprint accepted (Alertmanager's are 16 hex digits). */
export const MAX_FINGERPRINT_LENGTH = 256;

/** An alert that cannot be read, and why. */
export interface RejectedAlert {
  /** Position in the notification's `alerts`. */
  index: number;
  /** The alert's fingerprint when it has a readable one. */
  fingerprint: string | null;
  /** JSON pointer of the problem in the body (`/alerts/2/startsAt`). */
  path: string;
  message: string;
}

/** What {@link readNotification} makes of a body. */
export interface ReadNotification {
  /** The notification with the alerts that could be read, in their order. */
  notification: Notification;
  rejected: RejectedAlert[];
}

/** A problem with one value, at a JSON pointer. */
class Unreadable extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.path = path;
  }
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * Milliseconds since the epoch of an RFC 3339 time, or null when `text` is not one. Stricter
 * than `Date.parse` (which takes "2026-03-02" or "March 2") and able to read leap seconds.
 */
export function parseRfc3339(text: string): number | null {
  const m = RFC3339.exec(text);
  if (m === null) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const fraction = m[7] ?? '';
  const offsetMinutes = m[9] === undefined ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11]));
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 60) return null;
  if (m[9] !== undefined && (Number(m[10]) > 23 || Number(m[11]) > 59)) return null;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0 to 99 as 1900 to 1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, Math.min(second, 59), second === 60 ? 999 : Number(fraction.slice(1, 4).padEnd(3, '0')));
  const ms = date.getTime() - offsetMinutes * 60_000;
  if (second === 60) {
    // A leap second is only ever the 61st second of the last minute of a UTC day.
    const utc = new Date(ms);
    if (utc.getUTCHours() !== 23 || utc.getUTCMinutes() !== 59) return null;
  }
  return ms;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Canonical ISO-8601 UTC form of a time given as epoch milliseconds or as an RFC 3339 string. */
export function toIso(value: number | string): string {
  const ms = typeof value === 'number' ? value : (parseRfc3339(value) ?? Date.parse(value));
  if (!Number.isFinite(ms)) throw invalidNotification(`not a valid time: ${String(value)}`);
  return new Date(ms).toISOString();
}

/** Milliseconds since the epoch of an ISO-8601 time. */
export function toMs(iso: string): number {
  return Date.parse(iso);
}

/**
 * Reads a body (see the module comment): the envelope or nothing, and every alert that can be
 * read. @throws FirebreakError INCIDENT_INVALID_NOTIFICATION when the envelope cannot be read.
 */
export function readNotification(payload: unknown): ReadNotification {
  try {
    const body = asObject(payload, '');
    if (body.version !== '4') throw new Unreadable('/version', `unsupported webhook payload version ${JSON.stringify(body.version)}`);
    const alerts = body.alerts;
    if (!Array.isArray(alerts)) throw new Unreadable('/alerts', 'must be an array');
    const read: Alert[] = [];
    const rejected: RejectedAlert[] = [];
    alerts.forEach((value: unknown, index) => {
      try {
        read.push(readAlert(value, `/alerts/${index}`));
      } catch (err) {
        if (!(err instanceof Unreadable)) throw err;
        rejected.push({ index, fingerprint: readableFingerprint(value), path: err.path, message: err.message });
      }
    });
    const notification: Notification = {
      version: '4',
      groupKey: str(body.groupKey, '/groupKey'),
      truncatedAlerts: typeof body.truncatedAlerts === 'number' ? body.truncatedAlerts : 0,
      status: status(body.status, '/status'),
      receiver: str(body.receiver ?? '', '/receiver'),
      groupLabels: strMap(body.groupLabels, '/groupLabels'),
      commonLabels: strMap(body.commonLabels, '/commonLabels'),
      commonAnnotations: strMap(body.commonAnnotations, '/commonAnnotations'),
      externalURL: str(body.externalURL ?? '', '/externalURL'),
      alerts: read,
    };
    return { notification, rejected };
  } catch (err) {
    if (!(err instanceof Unreadable)) throw err;
    throw invalidNotification(`${err.path === '' ? 'payload' : err.path} ${err.message}`, { field: err.path });
  }
}

/** The notification with every readable alert; see {@link readNotification}. */
export function normalizeNotification(payload: unknown): Notification {
  return readNotification(payload).notification;
}

/** `/alerts/1/startsAt is unset ...`: one line for a rejected alert. */
export function describeRejection(rejected: RejectedAlert): string {
  return `${rejected.path} ${rejected.message}`;
}

function readAlert(value: unknown, where: string): Alert {
  const a = asObject(value, where);
  const fingerprint = str(a.fingerprint, `${where}/fingerprint`);
  if (!fingerprintLengthOk(fingerprint)) {
    throw new Unreadable(`${where}/fingerprint`, `must be 1 to ${MAX_FINGERPRINT_LENGTH} characters long`);
  }
  const startsAt = time(a.startsAt, `${where}/startsAt`);
  if (startsAt === null) {
    throw new Unreadable(`${where}/startsAt`, 'is unset (Go zero time 0001-01-01T00:00:00Z): an alert needs the time it started firing');
  }
  const generatorURL = a.generatorURL === undefined || a.generatorURL === null ? '' : str(a.generatorURL, `${where}/generatorURL`);
  return {
    fingerprint,
    status: status(a.status, `${where}/status`),
    labels: strMap(a.labels, `${where}/labels`, true),
    annotations: strMap(a.annotations, `${where}/annotations`),
    startsAt,
    endsAt: a.endsAt === undefined || a.endsAt === null ? null : time(a.endsAt, `${where}/endsAt`),
    generatorURL: generatorURL === '' ? null : generatorURL,
  };
}

function readableFingerprint(value: unknown): string | null {
  const fingerprint = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).fingerprint : undefined;
  return typeof fingerprint === 'string' && fingerprintLengthOk(fingerprint) ? fingerprint : null;
}

/** Length in code points, as JSON Schema counts it. */
function fingerprintLengthOk(fingerprint: string): boolean {
  const length = [...fingerprint].length;
  return length >= 1 && length <= MAX_FINGERPRINT_LENGTH;
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Unreadable(where, 'must be an object');
  return value as Record<string, unknown>;
}

function str(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new Unreadable(where, 'must be a string');
  return value;
}

function status(value: unknown, where: string): AlertStatus {
  if (value !== 'firing' && value !== 'resolved') throw new Unreadable(where, 'must be "firing" or "resolved"');
  return value;
}

function strMap(value: unknown, where: string, required = false): Record<string, string> {
  if (value === undefined && required) throw new Unreadable(where, 'is required');
  if (value === undefined || value === null) {
    if (required) throw new Unreadable(where, 'must be an object');
    return {};
  }
  const entries = Object.entries(asObject(value, where));
  for (const [k, v] of entries) {
    // The path is only spelled out for an error: this runs for every label of every alert.
    if (typeof v !== 'string') throw new Unreadable(`${where}/${escapePointer(k)}`, 'must be a string');
  }
  // fromEntries defines own properties, so a label named `__proto__` stays a label.
  return Object.fromEntries(entries as Array<[string, string]>);
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * Times read lately and their canonical form: the alerts of a notification mostly share their
 * `endsAt` (Go's zero time while firing) and often their `startsAt`. Bounded; cleared when full.
 */
const timesRead = new Map<string, string | null>();
const TIMES_KEPT = 256;
/** Longer texts (RFC 3339 allows any number of fraction digits) are not kept. */
const TIME_KEPT_LENGTH = 40;

/** Canonical ISO time, or null for Go's zero time. */
function time(value: unknown, where: string): string | null {
  const text = str(value, where);
  const known = timesRead.get(text);
  if (known !== undefined) return known;
  const ms = parseRfc3339(text);
  if (ms === null) throw new Unreadable(where, `is not an RFC 3339 time: ${text}`);
  const canonical = ms < ZERO_TIME_LIMIT ? null : new Date(ms).toISOString();
  if (text.length <= TIME_KEPT_LENGTH) {
    if (timesRead.size >= TIMES_KEPT) timesRead.clear();
    timesRead.set(text, canonical);
  }
  return canonical;
}
