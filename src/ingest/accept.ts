/**
 * The acknowledging side of ingest: validate a webhook body, store it durably, count it, wake the
 * processing worker. The webhook answers 2xx only after {@link acceptNotification} resolves,
 * which is after the store committed: a crash after the answer loses nothing.
 */
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { FirebreakError, toFirebreakError } from '../errors.ts';
import type { StoredNotification } from '../incidents/model.ts';
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
  alerts: number;
}

/**
 * @throws FirebreakError WEBHOOK_UNSUPPORTED_VERSION / WEBHOOK_INVALID_PAYLOAD (400, permanent),
 *   WEBHOOK_NOT_STORED (503, retriable: Alertmanager retries it).
 */
export async function acceptNotification(deps: AcceptDeps, body: unknown, logger: Logger = deps.logger): Promise<Accepted> {
  const payload = deps.validate(body);
  const receivedAt = new Date(deps.clock.now()).toISOString();
  let notification: StoredNotification;
  try {
    notification = await deps.store.appendNotification(body, receivedAt);
  } catch (err) {
    deps.metrics.storeError('appendNotification');
    const cause = toFirebreakError(err);
    throw new FirebreakError('WEBHOOK_NOT_STORED', `the notification could not be stored (${cause.code}); retry later`, {
      statusCode: 503,
      retriable: true,
      cause,
    });
  }
  const firing = payload.alerts.filter((a) => a.status === 'firing').length;
  const resolved = payload.alerts.length - firing;
  deps.metrics.notificationAccepted(payload.status, { firing, resolved }, payload.truncatedAlerts ?? 0);
  if ((payload.truncatedAlerts ?? 0) > 0) {
    logger.warn(
      { notificationId: notification.id, truncatedAlerts: payload.truncatedAlerts, groupKey: payload.groupKey },
      'Alertmanager left alerts out of this notification (max_alerts); they are not seen by firebreak',
    );
  }
  deps.pipeline.kick(notification.id);
  return { notification, alerts: payload.alerts.length };
}
