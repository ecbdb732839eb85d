/**
 * Validation of a webhook body, with the failures Alertmanager operators need to tell apart:
 * a body nested deeper than any notification (WEBHOOK_PAYLOAD_TOO_DEEP), a version firebreak
 * does not speak (WEBHOOK_UNSUPPORTED_VERSION) and a malformed body (WEBHOOK_INVALID_PAYLOAD,
 * naming the path). All are 400: Alertmanager does not retry them, since retrying cannot help.
 *
 * The envelope is checked against {@link WEBHOOK_ENVELOPE_SCHEMA}; the alerts are read by the
 * same function processing reads them with later (`readNotification`), so what the 200
 * promises is what processing takes. An alert that cannot be read is rejected alone and listed;
 * only a notification none of whose alerts can be read is refused.
 */
import { compileSchema, formatProblem } from '../core/json-schema.ts';
import { FirebreakError, isFirebreakError } from '../errors.ts';
import { describeRejection, readNotification, type RejectedAlert } from '../incidents/normalize.ts';
import { WEBHOOK_ENVELOPE_SCHEMA } from './payload-schema.ts';

/**
 * Deepest nesting accepted. A v4 notification is 4 levels deep (body, alerts, alert, labels);
 * the room above is for fields newer Alertmanager releases add. Bounded because a body nested
 * thousands of levels deep parses, but overflows the stack of everything that walks it later.
 */
export const MAX_WEBHOOK_DEPTH = 32;

/** A parsed body whose envelope passed the schema. */
export interface WebhookPayload {
  version: '4';
  groupKey: string;
  status: 'firing' | 'resolved';
  receiver: string;
  truncatedAlerts?: number;
  alerts: unknown[];
  [key: string]: unknown;
}

/** What {@link WebhookValidator} guarantees about a body it lets through. */
export interface ValidatedNotification {
  payload: WebhookPayload;
  /** The alerts processing takes, by status. */
  alerts: { firing: number; resolved: number };
  /** The alerts it does not take, and why. */
  rejected: RejectedAlert[];
}

export type WebhookValidator = (body: unknown) => ValidatedNotification;

function invalid(path: string, message: string, details: Record<string, unknown> = {}): FirebreakError {
  return new FirebreakError('WEBHOOK_INVALID_PAYLOAD', `invalid webhook payload: ${message}`, {
    statusCode: 400,
    details: { path, ...details },
  });
}

/** The JSON pointer of the first value nested deeper than `max`, or null. */
export function tooDeep(value: unknown, max: number): string | null {
  // The walk builds no path (it runs on every webhook body); only a body found too deep pays for one.
  return deeperThan(value, max, 1) ? pathDeeperThan(value, max, 1, '') : null;
}

function deeperThan(value: unknown, max: number, depth: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (depth > max) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (deeperThan(item, max, depth + 1)) return true;
    return false;
  }
  for (const key in value) if (deeperThan((value as Record<string, unknown>)[key], max, depth + 1)) return true;
  return false;
}

function pathDeeperThan(value: unknown, max: number, depth: number, path: string): string | null {
  if (typeof value !== 'object' || value === null) return null;
  if (depth > max) return path;
  for (const [key, item] of Object.entries(value)) {
    const found = pathDeeperThan(item, max, depth + 1, `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
    if (found !== null) return found;
  }
  return null;
}

/** Compiles the schema once (per app) and returns the validator. */
export function createWebhookValidator(): WebhookValidator {
  const check = compileSchema(WEBHOOK_ENVELOPE_SCHEMA);
  return (body) => {
    const deep = tooDeep(body, MAX_WEBHOOK_DEPTH);
    if (deep !== null) {
      throw new FirebreakError('WEBHOOK_PAYLOAD_TOO_DEEP', `webhook payload is nested deeper than ${MAX_WEBHOOK_DEPTH} levels (at ${deep.slice(0, 200)})`, {
        statusCode: 400,
        details: { maxDepth: MAX_WEBHOOK_DEPTH },
      });
    }
    if (typeof body === 'object' && body !== null && !Array.isArray(body) && 'version' in body) {
      const version = (body as { version: unknown }).version;
      if (version !== '4') {
        throw new FirebreakError(
          'WEBHOOK_UNSUPPORTED_VERSION',
          `webhook payload version ${JSON.stringify(version)} is not supported; firebreak accepts version "4"`,
          { statusCode: 400, details: { path: '/version', version } },
        );
      }
    }
    const problems = check(body);
    const first = problems[0];
    if (first !== undefined) throw invalid(first.path, formatProblem(first), { problems });
    let read: ReturnType<typeof readNotification>;
    try {
      read = readNotification(body);
    } catch (err) {
      // The schema is stricter than the reader's envelope: only a bug gets here.
      if (!isFirebreakError(err)) throw err;
      throw invalid(String(err.details?.field ?? ''), err.message);
    }
    const { notification, rejected } = read;
    const [firstRejected] = rejected;
    if (firstRejected !== undefined && notification.alerts.length === 0) {
      throw invalid(firstRejected.path, describeRejection(firstRejected), { problems: rejected.map((r) => ({ path: r.path, message: r.message })) });
    }
    const firing = notification.alerts.filter((a) => a.status === 'firing').length;
    return { payload: body as WebhookPayload, alerts: { firing, resolved: notification.alerts.length - firing }, rejected };
  };
}
