/**
 * Live updates: a record-stage subscriber that hands every committed timeline entry to the
 * open event streams (the console's pages, `firebreak incident --follow`). Subscribers get
 * entries synchronously, in append order; each decides what it writes (an event stream writes
 * to its socket, which buffers). Closing the feed ends every subscription: a shutdown must not
 * wait for streams that never end by themselves.
 */
import type { TimelineEntry } from '../incidents/model.ts';
import type { TimelineRecorder } from './timeline-feed.ts';

export interface LiveSubscription {
  /** Stops delivery; idempotent. */
  close(): void;
}

export interface LiveFeed extends TimelineRecorder {
  /**
   * Calls `onEntry` with every entry committed from now on (of `incidentId` only, when given),
   * and `onEnd` once when the feed closes.
   */
  subscribe(options: { incidentId?: string; onEntry: (entry: TimelineEntry) => void; onEnd: () => void }): LiveSubscription;
  /** Subscriptions open right now. */
  size(): number;
  /** Ends every subscription (their `onEnd` runs) and refuses new ones (they end at once). */
  close(): void;
}

interface Subscriber {
  incidentId: string | undefined;
  onEntry: (entry: TimelineEntry) => void;
  onEnd: () => void;
}

export function createLiveFeed(): LiveFeed {
  const subscribers = new Set<Subscriber>();
  let closed = false;
  return {
    name: 'live-feed',
    observe(entries) {
      for (const subscriber of [...subscribers]) {
        for (const entry of entries) {
          if (subscriber.incidentId !== undefined && subscriber.incidentId !== entry.incidentId) continue;
          subscriber.onEntry(entry);
        }
      }
    },
    subscribe({ incidentId, onEntry, onEnd }) {
      const subscriber: Subscriber = { incidentId, onEntry, onEnd };
      if (closed) {
        queueMicrotask(onEnd);
        return { close() {} };
      }
      subscribers.add(subscriber);
      return {
        close() {
          subscribers.delete(subscriber);
        },
      };
    },
    size: () => subscribers.size,
    close() {
      closed = true;
      const ending = [...subscribers];
      subscribers.clear();
      for (const subscriber of ending) subscriber.onEnd();
    },
  };
}
