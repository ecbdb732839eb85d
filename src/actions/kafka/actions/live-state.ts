/**
 * How the Kafka actions read the state they decide on and wait for their own writes.
 *
 * Every quota and config read of an action (prior capture, plan, the live values a revert
 * compares) is an all-brokers read of the Kafka module: every live broker is asked, and the state
 * counts only when they all agree and reflect the admin's own earlier writes (see
 * src/actions/kafka/consistent-read.ts). One broker's answer is never enough: brokers apply
 * changes from the metadata log a few hundred milliseconds apart, and acting on a stale answer
 * would record the wrong prior state, or take a containment still in place for "already
 * reverted".
 *
 * After a write, {@link awaitVisible} reads the same way until the state shows what was
 * written, so the containment is in force on every broker when the action returns and whatever
 * reads next (a revert, the next step's prior capture, another firebreak replica) sees it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { FirebreakError, toFirebreakError } from '../../../errors.ts';
import type { ActionContext } from '../../types.ts';
import { actionError } from '../../errors.ts';

/** How long and how often {@link awaitVisible} reads; tests shorten them. */
export interface VisibilityTiming {
  pollMs: number;
  /** Give up (with a warning) after this long. */
  maxWaitMs: number;
}

export const VISIBILITY_TIMING: VisibilityTiming = { pollMs: 25, maxWaitMs: 5_000 };

/**
 * The current state, to decide on. `read` must be an all-brokers read. When the brokers do not
 * agree within the Kafka operation bound (KAFKA_BROKERS_DISAGREE: something keeps changing the
 * state, or a broker lags far behind) this throws the retriable `ACTION_STATE_UNSETTLED` (503)
 * with that error as its cause: nothing is changed on such a read. Other errors pass through.
 */
export async function readCurrent<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (!(err instanceof FirebreakError) || err.code !== 'KAFKA_BROKERS_DISAGREE') throw err;
    throw actionError('ACTION_STATE_UNSETTLED', `the brokers do not agree on the state of ${what}; not acting on it`, {
      cause: err,
      details: { resource: what, brokers: err.details?.['brokers'] ?? null },
    });
  }
}

/**
 * After a write: reads (all-brokers) until `accept` holds. Normally the first read does, since an
 * all-brokers read waits for every broker to apply the admin's own last write; further reads
 * cover an admin that cannot learn the metadata log position (see docs/kafka-module.md).
 *
 * Never throws: the write itself has succeeded, and the caller must still return its record so
 * the change can be reverted. When the state does not show the write within
 * `timing.maxWaitMs` (someone changed it again meanwhile, or brokers lag far behind), or a read
 * fails, a warning is logged and false returned.
 */
export async function awaitVisible<T>(
  ctx: ActionContext,
  what: string,
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timing: VisibilityTiming = VISIBILITY_TIMING,
): Promise<boolean> {
  const started = ctx.clock.now();
  let last: { value: T } | { error: string } | undefined;
  for (;;) {
    try {
      const value = await read();
      if (accept(value)) return true;
      last = { value };
    } catch (err) {
      last = { error: toFirebreakError(err).code };
    }
    const waitedMs = ctx.clock.now() - started;
    if (waitedMs >= timing.maxWaitMs || ctx.signal?.aborted === true) {
      ctx.logger.warn({ resource: what, waitedMs, last }, 'change applied but not seen on every broker');
      return false;
    }
    try {
      await sleep(timing.pollMs, undefined, ctx.signal === undefined ? {} : { signal: ctx.signal });
    } catch {
      ctx.logger.warn({ resource: what, waitedMs, last }, 'change applied; stopped waiting for every broker to show it (aborted)');
      return false;
    }
  }
}
