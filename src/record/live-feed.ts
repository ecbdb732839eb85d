/**
 * Live updates: a record-stage subscriber that hands every committed timeline entry to the
 * open event streams (the console's pages, `firebreak incident --follow`). Subscribers get
 * entries synchronously, in append order; each decides what it writes (an event stream writes
 * to its socket, which buffers). Closing the feed ends every subscription: a shutdown must not
 * wait for streams that never end by themselves.
 *
 * Replicas: entries another process commits (a replica behind the same load balancer, sharing
 * the store) never pass through this process's record stage. While anyone is subscribed, the
 * feed reads the store's watermark (`lastTimelineId`, one indexed read) every `pollMs`; when it
 * is past every id seen here, subscribers are woken to read what they missed from the store.
 */
import type { Logger } from '../core/logger.ts';
import type { TimelineEntry } from '../model/incident.ts';
import type { Store } from '../store/types.ts';
import type { TimelineRecorder } from './timeline-feed.ts';

export interface LiveSubscription {
  /** Stops delivery; idempotent. */
  close(): void;
}

export interface LiveFeed extends TimelineRecorder {
  /**
   * Calls `onEntry` with every entry committed here from now on (of `incidentId` only, when
   * given), `onWake` when entries were committed elsewhere, and `onEnd` once when the feed closes.
   */
  subscribe(options: { incidentId?: string; onEntry: (entry: TimelineEntry) => void; onWake?: () => void; onEnd: () => void }): LiveSubscription;
  /** Subscriptions open right now. */
  size(): number;
  /** Ends every subscription (their `onEnd` runs) and refuses new ones (they end at once). */
  close(): void;
}

export interface LiveFeedOptions {
  /** Where other processes' entries are noticed; without it, only this process's entries. */
  store?: Pick<Store, 'lastTimelineId'>;
  logger?: Logger;
  /** How often the store's watermark is read while anyone is subscribed. Default 2000 ms. */
  pollMs?: number;
}

interface Subscriber {
  incidentId: string | undefined;
  onEntry: (entry: TimelineEntry) => void;
  onWake: (() => void) | undefined;
  onEnd: () => void;
}

export const DEFAULT_LIVE_POLL_MS = 2_000;

export function createLiveFeed(options: LiveFeedOptions = {}): LiveFeed {
  const subscribers = new Set<Subscriber>();
  let closed = false;
  /** The highest entry id seen, here or in the store. */
  let seen = 0;
  let timer: NodeJS.Timeout | null = null;
  let polling = false;

  async function poll(): Promise<void> {
    if (polling || options.store === undefined) return;
    polling = true;
    try {
      const last = await options.store.lastTimelineId();
      // The first read after a start wakes everyone once, needlessly: better than missing what
      // was committed between the subscription and that read.
      if (last > seen) {
        seen = last;
        for (const subscriber of [...subscribers]) subscriber.onWake?.();
      }
    } catch (err) {
      options.logger?.warn({ err }, 'cannot read the timeline watermark; live updates from other replicas wait');
    } finally {
      polling = false;
    }
  }

  function startPolling(): void {
    if (timer !== null || options.store === undefined) return;
    void poll();
    timer = setInterval(() => void poll(), options.pollMs ?? DEFAULT_LIVE_POLL_MS);
    timer.unref();
  }

  function stopPolling(): void {
    if (timer !== null) clearInterval(timer);
    timer = null;
  }

  return {
    name: 'live-feed',
    readsStore: options.store !== undefined,
    observe(entries) {
      for (const entry of entries) seen = Math.max(seen, entry.id);
      for (const subscriber of [...subscribers]) {
        for (const entry of entries) {
          if (subscriber.incidentId !== undefined && subscriber.incidentId !== entry.incidentId) continue;
          subscriber.onEntry(entry);
        }
      }
    },
    subscribe({ incidentId, onEntry, onWake, onEnd }) {
      const subscriber: Subscriber = { incidentId, onEntry, onWake, onEnd };
      if (closed) {
        queueMicrotask(onEnd);
        return { close() {} };
      }
      subscribers.add(subscriber);
      startPolling();
      return {
        close() {
          subscribers.delete(subscriber);
          if (subscribers.size === 0) stopPolling();
        },
      };
    },
    size: () => subscribers.size,
    close() {
      closed = true;
      stopPolling();
      const ending = [...subscribers];
      subscribers.clear();
      for (const subscriber of ending) subscriber.onEnd();
    },
  };
}
