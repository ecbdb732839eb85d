/**
 * Consistent reads of quota and config state. In KRaft a change is committed to the metadata log
 * before the broker answers, but each broker serves reads from its own copy of that log and
 * catches up later (measured: 200-500 ms on an idle 3-broker cluster, seconds on a loaded one),
 * and reads go to a random broker. A single read can therefore return a value older than the
 * last write. Acting on one would be wrong in exactly the cases that matter: a prior state
 * captured stale makes revert restore the wrong value; a stale read at revert time looks like
 * "already reverted" and leaves the containment in place.
 *
 * So firebreak never decides on one read: {@link readSettled} reads until it has seen the same
 * state on several consecutive reads (each from a random broker) spanning a minimum time, which
 * covers the brokers' catch-up interval.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { FirebreakError } from '../../../errors.ts';
import type { ActionContext } from '../../types.ts';

/** How settling is judged; tests shorten the times. */
export interface SettleTiming {
  /** Identical consecutive reads needed... */
  sameReads: number;
  /** ...over at least this long, ms. */
  settleMs: number;
  pollMs: number;
  /** Give up after this long: the state keeps changing, or some broker does not catch up. */
  maxWaitMs: number;
}

export const SETTLE_TIMING: SettleTiming = { sameReads: 5, settleMs: 1_000, pollMs: 200, maxWaitMs: 15_000 };

export interface Settled<T> {
  value: T;
  /** False when the deadline passed (or the context was aborted) before the reads settled. */
  settled: boolean;
}

/**
 * Reads until `sameReads` consecutive reads over at least `settleMs` return the same state
 * (compared as JSON) and, when given, `accept` holds for it. Resolves with the last state read.
 */
export async function readSettled<T>(
  ctx: ActionContext,
  read: () => Promise<T>,
  accept?: (value: T) => boolean,
  timing: SettleTiming = SETTLE_TIMING,
): Promise<Settled<T>> {
  const deadline = ctx.clock.now() + timing.maxWaitMs;
  let last: string | undefined;
  let streak = 0;
  let since = ctx.clock.now();
  for (;;) {
    const value = await read();
    const key = JSON.stringify(value);
    if (key === last) {
      streak += 1;
    } else {
      last = key;
      streak = 1;
      since = ctx.clock.now();
    }
    if (streak >= timing.sameReads && ctx.clock.now() - since >= timing.settleMs && (accept === undefined || accept(value))) {
      return { value, settled: true };
    }
    if (ctx.clock.now() >= deadline || ctx.signal?.aborted === true) return { value, settled: false };
    try {
      await sleep(timing.pollMs, undefined, ctx.signal === undefined ? {} : { signal: ctx.signal });
    } catch {
      return { value, settled: false }; // aborted
    }
  }
}

/**
 * The settled current state, to decide on (prior capture, plan, revert). Throws the retriable
 * `ACTION_STATE_UNSETTLED` (503) when it does not settle: something else keeps changing it, or a
 * broker lags far behind; deciding now could restore the wrong value.
 */
export async function readCurrent<T>(ctx: ActionContext, what: string, read: () => Promise<T>): Promise<T> {
  const { value, settled } = await readSettled(ctx, read);
  if (settled) return value;
  throw new FirebreakError('ACTION_STATE_UNSETTLED', `the state of ${what} did not settle within ${SETTLE_TIMING.maxWaitMs} ms; not acting on it`, {
    retriable: true,
    statusCode: 503,
    details: { resource: what, last: value },
  });
}

/**
 * After a write: waits until the settled state equals what was written, so whatever reads next
 * (a revert right after a change, the next step's prior capture) sees it. The write itself has
 * succeeded either way; a warning is logged if it does not show in time.
 */
export async function awaitVisible<T>(ctx: ActionContext, what: string, read: () => Promise<T>, accept: (value: T) => boolean): Promise<boolean> {
  const { settled } = await readSettled(ctx, read, accept);
  if (!settled) ctx.logger.warn({ resource: what, waitedMs: SETTLE_TIMING.maxWaitMs }, 'change applied but not yet visible on every broker read');
  return settled;
}
