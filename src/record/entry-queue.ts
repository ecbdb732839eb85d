/**
 * The work queue of a record-stage recorder that talks to something slow (Grafana, chat
 * targets): `push` only queues (bounded; what does not fit is logged and dropped, so an outage
 * never holds up the pipeline or memory), one worker handles entries in order, and `close` lets
 * the queue drain for a grace period, then aborts `signal` and drops the rest.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Logger } from '../core/logger.ts';
import type { TimelineEntry } from '../model/incident.ts';

export interface EntryQueue {
  /** Queues the entries; one that does not fit (queue full) or comes while closing is dropped, and a full queue is logged. */
  push(entries: readonly TimelineEntry[]): void;
  /** Aborted when the queue closes: pass it to every request the handler makes. */
  readonly signal: AbortSignal;
  /** Resolves when nothing is queued or being handled. */
  idle(): Promise<void>;
  /** Stops taking entries, lets the queue drain for up to `graceMs`, then aborts and drops the rest. Idempotent. */
  close(graceMs?: number): Promise<void>;
}

export function createEntryQueue(options: {
  handle: (entry: TimelineEntry) => Promise<void>;
  logger: Logger;
  maxQueue: number;
  /** What the recorder does, for log lines: "annotating", "notifying". */
  what: string;
}): EntryQueue {
  const { logger, maxQueue } = options;
  const queue: TimelineEntry[] = [];
  const stop = new AbortController();
  let worker: Promise<void> | null = null;
  let closing = false;

  function kick(): void {
    worker ??= drain().finally(() => {
      worker = null;
      if (queue.length > 0 && !stop.signal.aborted) kick();
    });
  }

  async function drain(): Promise<void> {
    for (let entry = queue.shift(); entry !== undefined && !stop.signal.aborted; entry = queue.shift()) {
      try {
        await options.handle(entry);
      } catch (err) {
        logger.error({ err, entryId: entry.id }, `${options.what} a timeline entry failed unexpectedly`);
      }
    }
  }

  async function idle(): Promise<void> {
    while (worker !== null) await worker;
  }

  return {
    signal: stop.signal,
    push(entries) {
      if (closing) return;
      for (const entry of entries) {
        if (queue.length >= maxQueue) {
          logger.error({ entryId: entry.id, kind: entry.kind, maxQueue }, `queue full: ${options.what} skipped for this entry`);
          continue;
        }
        queue.push(entry);
      }
      if (queue.length > 0) kick();
    },
    idle,
    async close(graceMs = 0) {
      closing = true;
      if (graceMs > 0 && worker !== null) {
        const grace = new AbortController();
        await Promise.race([idle(), sleepFor(graceMs, undefined, { signal: grace.signal }).catch(() => undefined)]);
        grace.abort();
      }
      stop.abort();
      queue.length = 0;
      await idle();
    },
  };
}
