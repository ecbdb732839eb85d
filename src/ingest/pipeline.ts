/**
 * The processing side of ingest: a single in-process worker that turns stored notifications into
 * incidents, one at a time, in the order the store received them, after the webhook has answered.
 *
 * The store is the queue. The worker always takes the oldest unprocessed notifications from it,
 * so start-up replay, notifications acknowledged while it was busy, and ones a previous process
 * stored but never processed are all the same case; {@link Pipeline.kick} only wakes it.
 *
 * Failures:
 * - A permanent failure is recorded on the notification by the processor (it is marked processed
 *   with its error) and never retried.
 * - A retriable failure (store unavailable) is retried with backoff; if it persists the
 *   notification is set aside and stays unprocessed in the store, and the worker looks at it
 *   again after `resumeAfterMs` (the database came back, a failover finished): no restart is
 *   needed. Reading the queue itself failing is treated the same way. Nothing acknowledged is
 *   ever dropped.
 * - A non-retriable failure the processor did not record (a bug) is also set aside, for the same
 *   reason: a fixed release replays it.
 *
 * After each notification the post-processing hooks run in order, awaited, before the next
 * notification: this is where the runbook engine plugs in. A hook that starts long work must
 * hand it off and return; a hook's error is logged and does not affect the others.
 */
import type { Logger } from '../core/logger.ts';
import { toFirebreakError } from '../errors.ts';
import type { StoredNotification } from '../model/incident.ts';
import type { ProcessResult } from '../incidents/process.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Store } from '../store/types.ts';

/** Runs after a notification was processed (committed), with what processing did. */
export type PostProcessHook = (result: ProcessResult, stored: StoredNotification) => Promise<void>;

/** Processes one stored notification (src/incidents/process.ts in production). */
export type Processor = (stored: StoredNotification) => Promise<ProcessResult>;

export interface PipelineDeps {
  store: Store;
  logger: Logger;
  metrics: Metrics;
  process: Processor;
  hooks?: readonly PostProcessHook[];
  /** Waits between attempts at a retriable failure, ms; its length is the number of retries. */
  retryDelaysMs?: readonly number[];
  /** Notifications fetched from the store per round. */
  pageSize?: number;
  /** After retriable failures, look at the set-aside notifications again after this long. Default 30 000 ms. */
  resumeAfterMs?: number;
}

export interface Pipeline {
  /** Wakes the worker; `id` is a notification just stored (counted as pending at once). */
  kick(id?: number): void;
  /** Notifications known to be stored and not yet processed. */
  pending(): number;
  /** Resolves when the worker has nothing left to do (tests, shutdown). */
  idle(): Promise<void>;
  /**
   * Stops taking work. Resolves when the notification in progress is done; notifications already
   * waiting are processed too while `graceMs` lasts, the rest stay stored for the next start.
   */
  close(graceMs: number): Promise<void>;
}

const DEFAULT_RETRY_DELAYS_MS = [200, 1_000, 5_000];

export function createPipeline(deps: PipelineDeps): Pipeline {
  const { store, logger, metrics } = deps;
  const hooks = deps.hooks ?? [];
  const retryDelays = deps.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const pageSize = deps.pageSize ?? 100;
  const resumeAfterMs = deps.resumeAfterMs ?? 30_000;

  const pendingIds = new Set<number>();
  /**
   * Set aside after repeated or unexpected failures: for this process's lifetime (a bug: a fixed
   * release replays it), or after a retriable failure until {@link resume} looks again.
   */
  const setAside = new Set<number>();
  const retriableAside = new Set<number>();
  let resumeTimer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let wake = false;
  let closing = false;
  let stopNow = false;
  /** Wakes a backoff wait early when stopping. */
  let interruptWait: (() => void) | null = null;

  metrics.observePending(() => pendingIds.size);

  /** Looks again, after `resumeAfterMs`, at what retriable failures set aside. */
  function resumeLater(): void {
    if (closing || resumeTimer !== null) return;
    resumeTimer = setTimeout(() => {
      resumeTimer = null;
      for (const id of retriableAside) setAside.delete(id);
      retriableAside.clear();
      kick();
    }, resumeAfterMs);
    resumeTimer.unref();
  }

  function kick(id?: number): void {
    if (closing) return;
    if (id !== undefined) pendingIds.add(id);
    wake = true;
    running ??= loop().finally(() => {
      running = null;
      // A kick that raced with the loop's last empty fetch started no new loop.
      if (wake && !closing) kick();
    });
  }

  async function loop(): Promise<void> {
    while (wake && !stopNow) {
      wake = false;
      const batch = await fetchBatch();
      if (batch === null) {
        resumeLater();
        return;
      }
      const todo = batch.filter((n) => !setAside.has(n.id));
      for (const n of batch) pendingIds.add(n.id);
      if (todo.length === 0) continue;
      for (const stored of todo) {
        if (stopNow) return;
        await processOne(stored);
      }
      // The page may have been full: look again.
      wake = true;
    }
  }

  async function fetchBatch(): Promise<StoredNotification[] | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await store.unprocessedNotifications(pageSize + setAside.size);
      } catch (err) {
        metrics.storeError('unprocessedNotifications');
        const delay = retryDelays[attempt];
        logger.error({ err: toFirebreakError(err), attempt }, 'cannot read unprocessed notifications');
        if (delay === undefined || stopNow) return null;
        await wait(delay);
      }
    }
  }

  async function processOne(stored: StoredNotification): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let result: ProcessResult;
      try {
        result = await deps.process(stored);
      } catch (err) {
        const error = toFirebreakError(err);
        if (error.code.startsWith('STORE_')) metrics.storeError('processNotification');
        if (await recordedAsProcessed(stored.id)) {
          // The processor recorded a permanent failure on the notification itself.
          pendingIds.delete(stored.id);
          return;
        }
        const delay = error.retriable ? retryDelays[attempt] : undefined;
        if (delay === undefined || stopNow) {
          setAside.add(stored.id);
          if (error.retriable) {
            retriableAside.add(stored.id);
            resumeLater();
          }
          logger.error(
            { err: error, notificationId: stored.id, attempts: attempt + 1, ...(error.retriable ? { retryInMs: resumeAfterMs } : {}) },
            error.retriable
              ? 'notification not processed; it stays stored and is tried again later'
              : 'notification not processed; it stays stored and is replayed at the next start',
          );
          return;
        }
        logger.warn({ err: error, notificationId: stored.id, attempt: attempt + 1, retryInMs: delay }, 'processing failed; retrying');
        await wait(delay);
        if (stopNow) return;
        continue;
      }
      pendingIds.delete(stored.id);
      metrics.notificationProcessed(result);
      await runHooks(result, stored);
      return;
    }
  }

  async function recordedAsProcessed(id: number): Promise<boolean> {
    try {
      return (await store.getNotification(id))?.processedAt != null;
    } catch {
      metrics.storeError('getNotification');
      return false;
    }
  }

  async function runHooks(result: ProcessResult, stored: StoredNotification): Promise<void> {
    for (const hook of hooks) {
      try {
        await hook(result, stored);
      } catch (err) {
        logger.error({ err: toFirebreakError(err), notificationId: stored.id }, 'post-processing hook failed');
      }
    }
  }

  function wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        interruptWait = null;
        resolve();
      }
      interruptWait = done;
    });
  }

  return {
    kick,
    pending: () => pendingIds.size,
    async idle() {
      while (running !== null) await running;
    },
    async close(graceMs) {
      closing = true;
      if (resumeTimer !== null) clearTimeout(resumeTimer);
      resumeTimer = null;
      const deadline = setTimeout(() => {
        stopNow = true;
        interruptWait?.();
      }, graceMs);
      try {
        while (running !== null) await running;
      } finally {
        clearTimeout(deadline);
        stopNow = true;
      }
      logger.info({ pending: pendingIds.size }, 'processing stopped');
    },
  };
}
