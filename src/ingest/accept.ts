/**
 * The acknowledging side of ingest: validate a webhook body, store it durably, count it, wake the
 * processing worker. The webhook answers 2xx only after {@link acceptNotification} resolves,
 * which is after the store committed: a crash after the answer loses nothing.
 */
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { FirebreakError, toFirebreakError } from '../errors.ts';
import type { StoredNotification } from '../model/incident.ts';
import { describeRejection, type RejectedAlert } from '../incidents/normalize.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Store } from '../store/types.ts';
import type { Pipeline } from './pipeline.ts';
import type { WebhookValidator } from './validate.ts';

export interface AcceptDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  pipeline: Pipeline;
  validate: WebhookValidator;
}

export interface Accepted {
  notification: StoredNotification;
  /** Alerts processing takes. */
  alerts: number;
  /** Alerts that cannot be read, left out (the others are processed). */
  rejected: RejectedAlert[];
}

/**
 * @throws FirebreakError WEBHOOK_PAYLOAD_TOO_DEEP / WEBHOOK_UNSUPPORTED_VERSION /
 *   WEBHOOK_INVALID_PAYLOAD (400, permanent: bad input, also when the store refuses the body as a
 *   value), WEBHOOK_NOT_STORED (503, retriable: the store cannot write; Alertmanager retries it).
 *   Anything else (a bug) is rethrown as it is: it is not the store's fault, and not a 503.
 */
export async function acceptNotification(deps: AcceptDeps, body: unknown, logger: Logger = deps.logger): Promise<Accepted> {
  const { payload, alerts, rejected } = deps.validate(body);
  const receivedAt = new Date(deps.clock.now()).toISOString();
  let notification: StoredNotification;
  try {
    notification = await deps.store.appendNotification(body, receivedAt);
  } catch (err) {
    throw notStored(deps, err);
  }
  deps.metrics.notificationAccepted(payload.status, alerts, payload.truncatedAlerts ?? 0, rejected.length);
  if (rejected.length > 0) {
    logger.warn(
      { notificationId: notification.id, groupKey: payload.groupKey, rejected: rejected.map(describeRejection) },
      'alerts rejected: they cannot be read; the other alerts of the notification are processed',
    );
  }
  if ((payload.truncatedAlerts ?? 0) > 0) {
    logger.warn(
      { notificationId: notification.id, truncatedAlerts: payload.truncatedAlerts, groupKey: payload.groupKey },
      'Alertmanager left alerts out of this notification (max_alerts); they are not seen by firebreak',
    );
  }
  deps.pipeline.kick(notification.id);
  return { notification, alerts: alerts.firing + alerts.resolved, rejected };
}

/**
 * What a failed append answers: a store that cannot write is a 503 (counted as a store error);
 * a value the store refuses is bad input (400); anything else is not the store's doing.
 */
function notStored(deps: AcceptDeps, err: unknown): FirebreakError {
  const cause = toFirebreakError(err);
  if (!cause.code.startsWith('STORE_')) return cause;
  if (cause.code === 'STORE_INVALID_VALUE') {
    return new FirebreakError('WEBHOOK_INVALID_PAYLOAD', `invalid webhook payload: the store refuses it (${cause.message})`, {
      statusCode: 400,
      cause,
      details: { path: '', store: cause.code },
    });
  }
  deps.metrics.storeError('appendNotification');
  return new FirebreakError('WEBHOOK_NOT_STORED', `the notification could not be stored (${cause.code}); retry later`, {
    statusCode: 503,
    retriable: true,
    cause,
  });
}
