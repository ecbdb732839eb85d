/**
 * The acknowledging side of ingest: parse and validate a webhook body, store it durably, count
 * it, wake the processing worker. The webhook answers 2xx only after {@link acceptBody}
 * resolves, which is after the store committed and synced: a crash after the answer loses
 * nothing. Concurrent requests share that commit and sync (src/store/sqlite/append-queue.ts).
 *
 * Bodies up to {@link OFFLOAD_BYTES} are parsed and checked on the event loop (well under a
 * millisecond for a usual notification); larger ones go to the ingest thread
 * (src/ingest/thread.ts), which parses, checks and stores them there, so a notification of
 * 50,000 alerts never holds up other requests or `/healthz`.
 */
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { FirebreakError, toFirebreakError } from '../errors.ts';
import { describeRejection, type RejectedAlert } from '../incidents/normalize.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { JsonText } from '../store/json-text.ts';
import type { Store } from '../store/types.ts';
import type { Pipeline } from './pipeline.ts';
import type { WebhookValidator } from './validate.ts';

/** Larger bodies are parsed off the event loop when an ingest thread runs. */
export const OFFLOAD_BYTES = 256 * 1024;

/** What the counters, the log and the answer need of a stored notification. */
export interface StoredBody {
  id: number;
  status: string;
  /** Alerts processing takes, by status. */
  firing: number;
  resolved: number;
  /** Alerts that cannot be read, left out (the others are processed). */
  rejected: RejectedAlert[];
  truncatedAlerts: number;
  groupKey: string;
}

/** Parses, checks and stores a body elsewhere (the ingest thread), which may take `raw`'s bytes (left empty). */
export interface BodyOffload {
  /** Rejects with the same FirebreakErrors as {@link acceptBody}. */
  accept(raw: Buffer, receivedAt: string): Promise<StoredBody>;
}

export interface AcceptDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  pipeline: Pick<Pipeline, 'kick'>;
  validate: WebhookValidator;
  /** Where large bodies go; without it they are handled on the event loop too. */
  offload?: BodyOffload | null;
}

/** A request's logger, or a function that makes it when a line is written (most never are). */
export type LazyLogger = Logger | (() => Logger);

export interface Accepted {
  id: number;
  /** Alerts processing takes. */
  alerts: number;
  /** Alerts that cannot be read, left out (the others are processed). */
  rejected: RejectedAlert[];
}

/** The webhook's 200 body for an accepted notification (express's route and the lean path alike). */
export function acknowledgement(accepted: Accepted): { status: 'accepted'; notificationId: number; alerts: number; rejected: RejectedAlert[] } {
  return { status: 'accepted', notificationId: accepted.id, alerts: accepted.alerts, rejected: accepted.rejected };
}

/**
 * Accepts a body as received (bytes, already checked for media type and size).
 *
 * @throws FirebreakError WEBHOOK_INVALID_JSON / WEBHOOK_PAYLOAD_TOO_DEEP /
 *   WEBHOOK_UNSUPPORTED_VERSION / WEBHOOK_INVALID_PAYLOAD (400, permanent: bad input, also when
 *   the store refuses the body as a value), WEBHOOK_NOT_STORED (503, retriable: the store cannot
 *   write; Alertmanager retries it). Anything else (a bug) is rethrown as it is: it is not the
 *   store's fault, and not a 503.
 */
export async function acceptBody(deps: AcceptDeps, raw: Buffer, logger: LazyLogger = deps.logger): Promise<Accepted> {
  const receivedAt = new Date(deps.clock.now()).toISOString();
  if (deps.offload === undefined || deps.offload === null || raw.length <= OFFLOAD_BYTES) {
    // The store gets the text as it arrived: no second serialisation, and through the ingest
    // thread's forwarding store one string to copy instead of a tree of objects.
    const { value, text } = parseBody(raw);
    return accepted(deps, await storeBody(deps, value, receivedAt, new JsonText(text)), logger);
  }
  try {
    return accepted(deps, await deps.offload.accept(raw, receivedAt), logger);
  } catch (err) {
    if (toFirebreakError(err).code === 'WEBHOOK_NOT_STORED') deps.metrics.storeError('appendNotification');
    throw err;
  }
}

/** Accepts a body already parsed (the same checks and effects as {@link acceptBody}). */
export async function acceptNotification(deps: AcceptDeps, body: unknown, logger: LazyLogger = deps.logger): Promise<Accepted> {
  return accepted(deps, await storeBody(deps, body, new Date(deps.clock.now()).toISOString()), logger);
}

/**
 * JSON text to a value, the webhook's way: UTF-8 (a byte-order mark is dropped), an object or
 * array at the top. Returns the text parsed too (what the ingest thread stores).
 */
export function parseBody(raw: Buffer): { value: unknown; text: string } {
  const text = raw.toString('utf8').replace(/^\uFEFF/, '');
  const first = /^[\x20\x09\x0a\x0d]*(.)/.exec(text)?.[1];
  try {
    if (first !== '{' && first !== '[') throw new SyntaxError(`Unexpected token ${JSON.stringify(first ?? 'end of input')} at the start: a JSON object is expected`);
    return { value: JSON.parse(text) as unknown, text };
  } catch (err) {
    throw new FirebreakError('WEBHOOK_INVALID_JSON', `request body is not valid JSON: ${(err as Error).message}`, { statusCode: 400 });
  }
}

/** Validates a parsed body and summarises it (shared with the ingest thread). */
export function checkBody(validate: WebhookValidator, body: unknown): Omit<StoredBody, 'id'> {
  const { payload, alerts, rejected } = validate(body);
  return { status: payload.status, ...alerts, rejected, truncatedAlerts: payload.truncatedAlerts ?? 0, groupKey: payload.groupKey };
}

/**
 * What a failed append answers (shared with the ingest thread): a store that cannot write is a
 * 503; a value the store refuses is bad input (400); anything else is not the store's doing.
 */
export function notStored(err: unknown): FirebreakError {
  const cause = toFirebreakError(err);
  if (!cause.code.startsWith('STORE_')) return cause;
  if (cause.code === 'STORE_INVALID_VALUE') {
    return new FirebreakError('WEBHOOK_INVALID_PAYLOAD', `invalid webhook payload: the store refuses it (${cause.message})`, {
      statusCode: 400,
      cause,
      details: { path: '', store: cause.code },
    });
  }
  return new FirebreakError('WEBHOOK_NOT_STORED', `the notification could not be stored (${cause.code}); retry later`, {
    statusCode: 503,
    retriable: true,
    cause,
  });
}

/** `stored`: what the store keeps (the body, or its JSON text). */
async function storeBody(deps: AcceptDeps, body: unknown, receivedAt: string, stored: unknown = body): Promise<StoredBody> {
  const summary = checkBody(deps.validate, body);
  try {
    const notification = await deps.store.appendNotification(stored, receivedAt);
    return { id: notification.id, ...summary };
  } catch (err) {
    const refused = notStored(err);
    if (refused.code === 'WEBHOOK_NOT_STORED') deps.metrics.storeError('appendNotification');
    throw refused;
  }
}

function accepted(deps: AcceptDeps, stored: StoredBody, lazy: LazyLogger): Accepted {
  const logger = () => (typeof lazy === 'function' ? lazy() : lazy);
  deps.metrics.notificationAccepted(stored.status, { firing: stored.firing, resolved: stored.resolved }, stored.truncatedAlerts, stored.rejected.length);
  if (stored.rejected.length > 0) {
    logger().warn(
      { notificationId: stored.id, groupKey: stored.groupKey, rejected: stored.rejected.map(describeRejection) },
      'alerts rejected: they cannot be read; the other alerts of the notification are processed',
    );
  }
  if (stored.truncatedAlerts > 0) {
    logger().warn(
      { notificationId: stored.id, truncatedAlerts: stored.truncatedAlerts, groupKey: stored.groupKey },
      'Alertmanager left alerts out of this notification (max_alerts); they are not seen by firebreak',
    );
  }
  deps.pipeline.kick(stored.id);
  return { id: stored.id, alerts: stored.firing + stored.resolved, rejected: stored.rejected };
}
