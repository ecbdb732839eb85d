/**
 * The processing side of ingest: a single worker that turns stored notifications into
 * incidents in the order the store received them, after the webhook has answered.
 *
 * The store is the queue. The worker reads unprocessed notifications in pages bounded in count
 * and bytes, so start-up replay, notifications acknowledged while it was busy, and ones a
 * previous process stored but never processed are all the same case; {@link Pipeline.kick}
 * only wakes it.
 *
 * Transactions (docs/storage.md, "The commit model"): each transaction records alerts for at
 * most `sliceMs` of work, taking as many notifications as fit (one commit, one shared fsync for
 * a burst of small ones) or part of a large one (a 50,000-alert notification is a series of
 * short transactions), then yields to the event loop. See src/incidents/process.ts for what a
 * transaction records and why a crash between two of them loses nothing.
 *
 * Failures:
 * - A body that cannot be read is recorded on the notification (processed, with its error) and
 *   never retried.
 * - A transaction that fails is rolled back whole, and the notifications it touched start again
 *   from their first alert, one per transaction until the failing one is found. A retriable
 *   failure (store unavailable) is retried with backoff; if it persists the notification is set
 *   aside and stays unprocessed in the store, and the worker looks at it again as soon as the
 *   store can write again (the database came back, a failover finished, the disk has room): a
 *   webhook body stored meanwhile proves it, and until one arrives the worker checks the store
 *   itself every `probeMs` (Store.ping, a write check); `resumeAfterMs` is the backstop. No
 *   restart is needed. Reading
 *   the queue itself failing is treated the same way. A failure that is not retriable (a bug)
 *   sets the notification aside for this process's lifetime: a fixed release replays it.
 *   Nothing acknowledged is ever dropped.
 *
 * Replicas (docs/ha.md): the worker claims what it reads (Store.claimNotifications) and renews
 * the claim of each notification in every transaction that works on it (holdNotifications), so
 * each stored notification is processed by one replica, a notification part-way through is
 * never taken by another, and one whose claimant died is taken over once its claim ends
 * (`claimMs` after the claimant last worked on it); the worker looks again at that moment, and
 * every `claimMs` in any case. A worker that stops gives up the claims on what it did not finish.
 *
 * After each transaction the post-processing hooks run for every notification it finished, in
 * order, awaited, before the next transaction: this is where the runbook engine plugs in. A hook
 * that starts long work must hand it off and return; a hook's error is logged and does not affect
 * the others.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../core/clock.ts';
import { createLogSampler } from '../core/log-sampler.ts';
import type { Logger } from '../core/logger.ts';
import { toFirebreakError } from '../errors.ts';
import type { StoredNotification } from '../model/incident.ts';
import { NotificationWork, TxCache, type ProcessOptions, type ProcessResult } from '../incidents/process.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Store } from '../store/types.ts';

/** Runs after a notification was processed (committed), with what processing did. */
export type PostProcessHook = (result: ProcessResult, stored: StoredNotification) => Promise<void>;

/** The metrics the pipeline feeds. */
export type PipelineMetrics = Pick<Metrics, 'observePending' | 'storeError' | 'notificationProcessed'>;

export interface PipelineDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: PipelineMetrics;
  /** How alerts are grouped and what the engine records with them (read at every transaction). */
  options?: () => ProcessOptions;
  hooks?: readonly PostProcessHook[];
  /** Waits between attempts at a retriable failure, ms; its length is the number of retries. */
  retryDelaysMs?: readonly number[];
  /** Work one transaction does before it commits and yields, ms (default 8); a function is asked at each transaction. */
  sliceMs?: number | (() => number);
  /** A page read from the store: at most this many notifications and bytes of bodies. */
  pageSize?: number;
  pageBytes?: number;
  /** Told when notifications become known as pending, and when they stop being pending. */
  onPending?: (change: { added?: number[]; removed?: number[] }) => void;
  /**
   * Told of notifications whose processing so far counts for nothing: those of a transaction that
   * rolled back (they start again or are set aside) and those that end without the hooks (their
   * processing failed, or another replica took them over). What a `withinTransaction` noted for
   * them is to be dropped.
   */
  onDropped?: (ids: readonly number[]) => void;
  /** After retriable failures, look at the set-aside notifications again after this long at the latest. Default 30 000 ms. */
  resumeAfterMs?: number;
  /** Meanwhile, check every this long whether the store can write again (Store.ping). Default 1 000 ms. */
  probeMs?: number;
  /** How long a claim on a notification keeps other replicas off it after this worker last worked on it. Default 15 000 ms. */
  claimMs?: number;
  /** Who claims (default: host, pid and a random part). */
  owner?: string;
}

export interface Pipeline {
  /** Wakes the worker; `id` is a notification just stored (counted as pending at once). */
  kick(id?: number): void;
  /** Notifications known to be stored and not yet processed. */
  pending(): number;
  /** Resolves when the worker has nothing left to do (tests, shutdown). */
  idle(): Promise<void>;
  /**
   * Stops taking work. Resolves when the transaction in progress is done; notifications already
   * waiting are processed too while `graceMs` lasts, the rest stay stored for the next start.
   */
  close(graceMs: number): Promise<void>;
}

const DEFAULT_RETRY_DELAYS_MS = [200, 1_000, 5_000];

export function createPipeline(deps: PipelineDeps): Pipeline {
  const { store, logger, metrics } = deps;
  const hooks = deps.hooks ?? [];
  const retryDelays = deps.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const sliceMs = typeof deps.sliceMs === 'function' ? deps.sliceMs : () => (deps.sliceMs as number | undefined) ?? 8;
  const pageSize = deps.pageSize ?? 256;
  const pageBytes = deps.pageBytes ?? 4 * 1024 * 1024;
  const options = deps.options ?? (() => ({}));
  const resumeAfterMs = deps.resumeAfterMs ?? 30_000;
  const probeMs = deps.probeMs ?? 1_000;
  const claimMs = deps.claimMs ?? 15_000;
  const owner = deps.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const claimUntil = (): string => new Date(deps.clock.now() + claimMs).toISOString();
  /** Wakes the worker when another replica's claim ends (it may have died); reads from the start then. */
  let takeOverTimer: { at: number; timer: NodeJS.Timeout } | null = null;
  /** How many notifications a transaction renews the claims of at once. */
  let holdAhead = 1;

  /** Fetched from the store and not finished (set-aside ones included). */
  const pendingIds = new Set<number>();
  /**
   * Stored (a kick named them) and not fetched yet. A kick can arrive after its notification was
   * already read and processed (an earlier kick's read found it, or another replica took it): the
   * next read of the store settles which of these are still unprocessed.
   */
  const announced = new Set<number>();
  const pendingCount = (): number => pendingIds.size + announced.size;
  /** Fetched and not finished, in id order; the head may be part-way through. */
  let queue: NotificationWork[] = [];
  let lastFetched = 0;
  /**
   * Set aside after repeated or unexpected failures: for this process's lifetime (a bug: a fixed
   * release replays it), or after a retriable failure until {@link resumeLater} looks again.
   */
  const setAside = new Set<number>();
  const retriableAside = new Set<number>();
  let resumeTimer: NodeJS.Timeout | null = null;
  let probeTimer: NodeJS.Timeout | null = null;
  /** After a failed transaction: one notification per transaction, with its attempt count. */
  let isolating: { id: number; attempt: number } | null = null;
  let running: Promise<void> | null = null;
  let wake = false;
  let closing = false;
  let stopNow = false;
  /** Wakes a backoff wait early when stopping. */
  let interruptWait: (() => void) | null = null;

  metrics.observePending(pendingCount);
  /** "notification processed" at info while there are few a second, then a count per second. */
  const processedLines = createLogSampler({ logger, clock: deps.clock, message: 'notifications processed' });

  /**
   * Looks again at what retriable failures set aside: as soon as the store can write (a probe
   * every `probeMs`, or a body stored, see {@link kick}), after `resumeAfterMs` at the latest.
   */
  function resumeLater(): void {
    if (closing) return;
    if (resumeTimer === null) {
      resumeTimer = setTimeout(resumeNow, resumeAfterMs);
      resumeTimer.unref();
    }
    probeLater();
  }

  function probeLater(): void {
    if (closing || probeTimer !== null || resumeTimer === null) return;
    probeTimer = setTimeout(() => {
      store.ping().then(
        () => {
          probeTimer = null;
          if (resumeTimer !== null) resumeNow();
        },
        () => {
          probeTimer = null;
          probeLater();
        },
      );
    }, probeMs);
    probeTimer.unref();
  }

  function resumeNow(): void {
    if (resumeTimer !== null) clearTimeout(resumeTimer);
    resumeTimer = null;
    if (probeTimer !== null) clearTimeout(probeTimer);
    probeTimer = null;
    if (closing) return;
    // Read the queue again from the first notification set aside (those in hand are skipped).
    if (retriableAside.size > 0) lastFetched = Math.min(lastFetched, Math.min(...retriableAside) - 1);
    for (const id of retriableAside) setAside.delete(id);
    retriableAside.clear();
    kick();
  }

  /** Reads the queue again from the start in `ms` (when another replica's claim ends). */
  function takeOverAfter(ms: number): void {
    const at = performance.now() + Math.max(0, ms);
    if (closing || (takeOverTimer !== null && takeOverTimer.at <= at)) return;
    if (takeOverTimer !== null) clearTimeout(takeOverTimer.timer);
    const timer = setTimeout(() => {
      takeOverTimer = null;
      lastFetched = 0;
      kick();
    }, Math.max(0, ms) + 1);
    timer.unref();
    takeOverTimer = { at, timer };
  }

  function kick(id?: number): void {
    if (closing) return;
    if (id !== undefined && id > lastFetched && !pendingIds.has(id)) announced.add(id);
    // A body was just stored: the store writes again, so what an outage set aside goes first.
    if (id !== undefined && resumeTimer !== null) return resumeNow();
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
      if (!(await refill())) return;
      if (queue.length === 0) continue;
      await transaction();
      wake = true;
      // Let requests in between two transactions, whatever the store (in memory, commits are not I/O).
      await yieldToLoop();
    }
  }

  /** Reads the next page when the queue runs short; false when the store cannot be read. */
  async function refill(): Promise<boolean> {
    if (queue.reduce((n, w) => n + w.remaining, 0) > 1_000) return true;
    for (let attempt = 0; ; attempt++) {
      try {
        const inHand = queue.map((w) => w.stored.id);
        const now = deps.clock.now();
        const claimed = await store.claimNotifications(pageSize, {
          owner,
          now: new Date(now).toISOString(),
          until: new Date(now + claimMs).toISOString(),
          afterId: lastFetched,
          maxBytes: pageBytes,
          skip: [...inHand, ...setAside],
        });
        const page = claimed.notifications;
        // Look again when another replica's claim ends, and every claimMs anyway: a body another
        // replica stored and could not claim before it died is told to no one.
        takeOverAfter(claimed.nextExpiry === null ? claimMs : Date.parse(claimed.nextExpiry) - now);
        for (const stored of page) {
          pendingIds.add(stored.id);
          queue.push(new NotificationWork(stored, deps, options()));
        }
        lastFetched = Math.max(lastFetched, page.at(-1)?.id ?? 0);
        // Read in id order from lastFetched: an announced id the read passed, or any when nothing
        // is left to read, is processed (by this process or another replica) or in hand.
        for (const id of announced) if (page.length === 0 || id <= lastFetched) announced.delete(id);
        if (page.length > 0) deps.onPending?.({ added: page.map((n) => n.id) });
        return true;
      } catch (err) {
        metrics.storeError('claimNotifications');
        const delay = retryDelays[attempt];
        logger.error({ err: toFirebreakError(err), attempt }, 'cannot read unprocessed notifications');
        if (delay === undefined || stopNow) {
          resumeLater();
          return false;
        }
        await wait(delay);
      }
    }
  }

  /** One transaction over the head of the queue (see the module comment). */
  async function transaction(): Promise<void> {
    const taken: NotificationWork[] = [];
    /** Claimed by another replica after this worker's claim ended, or processed by one: not ours to do. */
    const lost: NotificationWork[] = [];
    try {
      await store.transaction(async (tx) => {
        const cache = new TxCache();
        const deadline = performance.now() + sliceMs();
        /** Renewed in this transaction: this worker's, and no other replica's until the commit. */
        let held = new Set<number>();
        for (const [i, work] of queue.entries()) {
          if (isolating !== null && taken.length > 0) break;
          if (!held.has(work.stored.id)) {
            // As many at once as the last transaction finished (one statement for a burst of small ones).
            const ids = queue.slice(i, i + (isolating === null ? holdAhead : 1)).map((w) => w.stored.id);
            held = new Set(await tx.holdNotifications(ids, owner, claimUntil()));
            if (!held.has(work.stored.id)) {
              lost.push(work);
              continue;
            }
          }
          taken.push(work);
          const done = await work.step(tx, cache, deadline);
          if (!done || performance.now() >= deadline) break;
        }
        await cache.finish(tx, new Date(deps.clock.now()).toISOString());
      });
    } catch (err) {
      if (taken.length > 0) deps.onDropped?.(taken.map((w) => w.stored.id));
      await failed(taken, err);
      return;
    }
    isolating = null;
    const finished = taken.filter((w) => w.done);
    holdAhead = Math.min(64, Math.max(1, finished.length + 1));
    queue = queue.filter((w) => !w.done && !lost.includes(w));
    const removed = [...finished, ...lost].map((w) => w.stored.id);
    if (removed.length > 0) deps.onPending?.({ removed });
    for (const work of lost) pendingIds.delete(work.stored.id);
    const dropped = [...lost, ...finished.filter((w) => w.failure !== null)].map((w) => w.stored.id);
    if (dropped.length > 0) deps.onDropped?.(dropped);
    if (lost.length > 0) logger.info({ notificationIds: lost.map((w) => w.stored.id) }, 'notifications taken over by another replica; left to it');
    for (const work of finished) {
      pendingIds.delete(work.stored.id);
      if (work.failure !== null) continue;
      work.logProcessed(processedLines.take());
      const result = work.result();
      metrics.notificationProcessed(result);
      await runHooks(result, work.stored);
    }
  }

  /** The transaction rolled back: start its notifications again, isolating the culprit. */
  async function failed(taken: NotificationWork[], err: unknown): Promise<void> {
    const error = toFirebreakError(err);
    if (error.code.startsWith('STORE_')) metrics.storeError('processNotification');
    queue = queue.map((w) => (taken.includes(w) ? new NotificationWork(w.stored, deps, options()) : w));
    const culprit = taken.length === 1 ? taken[0] : undefined;
    if (culprit === undefined) {
      // Several shared the transaction: go one by one to find which one fails.
      isolating = { id: -1, attempt: 0 };
      return;
    }
    const attempt = isolating?.id === culprit.stored.id ? isolating.attempt : 0;
    const delay = error.retriable ? retryDelays[attempt] : undefined;
    if (delay === undefined || stopNow) {
      queue = queue.filter((w) => w.stored !== culprit.stored);
      isolating = null;
      setAside.add(culprit.stored.id);
      if (error.retriable) {
        retriableAside.add(culprit.stored.id);
        resumeLater();
      }
      logger.error(
        { err: error, notificationId: culprit.stored.id, attempts: attempt + 1, ...(error.retriable ? { retryInMs: resumeAfterMs } : {}) },
        error.retriable
          ? 'notification not processed; it stays stored and is tried again later'
          : 'notification not processed; it stays stored and is replayed at the next start',
      );
      return;
    }
    isolating = { id: culprit.stored.id, attempt: attempt + 1 };
    logger.warn({ err: error, notificationId: culprit.stored.id, attempt: attempt + 1, retryInMs: delay }, 'processing failed; retrying');
    await wait(delay);
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

  /** On close: other replicas may take what is left at once, not when its claims end (for 1 s at most). */
  async function releaseUnfinished(): Promise<void> {
    const unfinished = [...queue.map((w) => w.stored.id), ...setAside];
    if (unfinished.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 1_000);
    });
    const released = store.releaseNotifications(unfinished, owner).catch((err: unknown) => {
      logger.warn({ err: toFirebreakError(err), notificationIds: unfinished }, 'claims not given up; other replicas take these notifications when the claims end');
    });
    await Promise.race([released, gaveUp]);
    clearTimeout(timer);
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
    pending: pendingCount,
    async idle() {
      while (running !== null) await running;
    },
    async close(graceMs) {
      closing = true;
      if (takeOverTimer !== null) clearTimeout(takeOverTimer.timer);
      takeOverTimer = null;
      if (resumeTimer !== null) clearTimeout(resumeTimer);
      resumeTimer = null;
      if (probeTimer !== null) clearTimeout(probeTimer);
      probeTimer = null;
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
      await releaseUnfinished();
      processedLines.flush();
      logger.info({ pending: pendingCount() }, 'processing stopped');
    },
  };
}
