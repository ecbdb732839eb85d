/**
 * The record stage's chat half: what a responder must know, sent to the configured notification
 * targets without any runbook step (approval requested, containment applied and released,
 * escalations, resolution with its figures, status updates). notification-events.ts decides what
 * an entry means; `notify.subscriptions` decides which target hears which event.
 *
 * Each committed entry is handled once, by the replica that committed it. Sending never blocks
 * the pipeline: the recorder only queues (bounded), one worker sends in order, retriable failures
 * are retried after `retryDelaysMs`, and a message that still fails is logged and recorded on the
 * timeline as `notification.failed` (through a store whose feed does not reach the notifier, so it does not hear itself).
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { exchange, statusError } from '../actions/http/client.ts';
import type { NotifyTarget } from '../actions/types.ts';
import type { Config, NotificationEvent } from '../config/schema.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { toFirebreakError } from '../errors.ts';
import { computeFigures } from '../incidents/figures.ts';
import type { TimelineEntry } from '../model/incident.ts';
import { toIso } from '../incidents/normalize.ts';
import { wholeTimeline } from '../incidents/overview.ts';
import type { Store } from '../store/types.ts';
import { KIND_EVENTS, notificationFor, slackBody, webhookBody, type NotificationMessage } from './notification-events.ts';
import { createEntryQueue } from './entry-queue.ts';
import type { TimelineRecorder } from './timeline-feed.ts';

export interface NotifierDeps {
  /** A store whose feed does not reach this notifier (the app gives one that only counts): it appends `notification.failed`. */
  store: Store;
  clock: Clock;
  logger: Logger;
  notify: Pick<Config['notify'], 'targets' | 'timeoutMs' | 'subscriptions'>;
  publicUrl: string | null;
  retryDelaysMs?: readonly number[];
  maxQueue?: number;
}

export interface Notifier extends TimelineRecorder {
  /** Resolves when nothing is queued or being sent. */
  idle(): Promise<void>;
  /** Stops taking entries, lets the queue drain for up to `graceMs`, then drops the rest. */
  close(graceMs?: number): Promise<void>;
}

export const DEFAULT_NOTIFY_RETRY_DELAYS_MS: readonly number[] = [1_000, 5_000, 30_000];

/** The incident page's link: absolute under `publicUrl`, else a path. */
export function incidentLink(publicUrl: string | null, incidentId: string): string {
  return `${publicUrl ?? ''}/incidents/${encodeURIComponent(incidentId)}`;
}

/** The body a target of `kind` receives (pure). */
export function bodyFor(kind: NotifyTarget['kind'], message: NotificationMessage): Record<string, unknown> {
  return kind === 'slack' ? slackBody(message) : webhookBody(message);
}

export function createNotifier(deps: NotifierDeps): Notifier {
  const logger = deps.logger.child({ recorder: 'notifier' });
  const delays = deps.retryDelaysMs ?? DEFAULT_NOTIFY_RETRY_DELAYS_MS;
  const maxQueue = deps.maxQueue ?? 1_000;
  const subscribers = new Map<NotificationEvent, string[]>();
  for (const [target, events] of Object.entries(deps.notify.subscriptions)) {
    for (const event of events) subscribers.set(event, [...(subscribers.get(event) ?? []), target]);
  }
  const queue = createEntryQueue({ handle: (entry) => handle(entry), logger, maxQueue, what: 'notifying about' });
  const stop = { signal: queue.signal };

  async function handle(entry: TimelineEntry): Promise<void> {
    const incident = await deps.store.getIncident(entry.incidentId);
    if (incident === null) return;
    const figures = entry.kind === 'incident.status' ? computeFigures(incident, await wholeTimeline(deps.store, incident.id)) : computeFigures(incident, []);
    const message = notificationFor(entry, { incident, figures, url: incidentLink(deps.publicUrl, incident.id) });
    if (message === null) return;
    for (const name of subscribers.get(message.event) ?? []) {
      const target = deps.notify.targets[name];
      if (target !== undefined) await send(entry, message, name, target);
    }
  }

  async function send(entry: TimelineEntry, message: NotificationMessage, name: string, target: NotifyTarget): Promise<void> {
    const display = `notification target "${name}"`;
    let attempts = 0;
    for (;;) {
      attempts += 1;
      let error;
      try {
        const answer = await exchange('NOTIFY', { method: 'POST', url: target.url, body: bodyFor(target.kind, message), timeoutMs: deps.notify.timeoutMs, display, signal: stop.signal });
        if (answer.status >= 200 && answer.status <= 299) {
          logger.info({ target: name, event: message.event, incidentId: entry.incidentId, entryId: entry.id }, 'notification sent');
          return;
        }
        error = statusError('NOTIFY', `posting to ${display}`, answer, { target: name });
      } catch (err) {
        error = toFirebreakError(err);
      }
      if (stop.signal.aborted) return;
      const delay = delays[attempts - 1];
      if (!error.retriable || delay === undefined) {
        logger.error({ code: error.code, message: error.message, attempts, target: name, entryId: entry.id }, 'notification failed');
        await recordFailure(entry, message, name, attempts, { code: error.code, message: error.message });
        return;
      }
      logger.warn({ code: error.code, attempt: attempts, retryInMs: delay, target: name }, 'notification failed; retrying');
      try {
        await sleepFor(delay, undefined, { signal: stop.signal });
      } catch {
        return;
      }
    }
  }

  async function recordFailure(entry: TimelineEntry, message: NotificationMessage, target: string, attempts: number, error: { code: string; message: string }): Promise<void> {
    try {
      await deps.store.appendTimeline({
        incidentId: entry.incidentId,
        at: toIso(deps.clock.now()),
        phase: entry.phase,
        kind: 'notification.failed',
        actor: 'engine',
        summary: `Notification "${message.event}" to ${target} failed: ${error.message}`,
        data: { target, event: message.event, entryId: entry.id, attempts, error },
      });
    } catch (err) {
      logger.error({ err, entryId: entry.id }, 'recording the failed notification on the timeline failed');
    }
  }

  return {
    name: 'notifier',
    observe(entries) {
      queue.push(entries.filter((entry) => KIND_EVENTS[entry.kind] !== undefined));
    },
    idle: () => queue.idle(),
    close: (graceMs) => queue.close(graceMs),
  };
}

/** The notifier the configuration asks for: null when no target subscribes to any event. */
export function configuredNotifier(
  notify: NotifierDeps['notify'] | undefined,
  deps: Omit<NotifierDeps, 'notify' | 'publicUrl'> & { publicUrl?: string | null },
): Notifier | null {
  if (notify === undefined || Object.values(notify.subscriptions).every((events) => events.length === 0)) return null;
  return createNotifier({ ...deps, notify, publicUrl: deps.publicUrl ?? null });
}
