/**
 * Running durable timers (store `engine_timers`, docs/engine.md "Timers"). The worker finds due
 * timers, claims each with a compare-and-set that makes this engine its owner for a lease, runs
 * the handler of its kind and finishes it with the fencing token the claim returned: done, or
 * due again with new state. A process that dies holding a timer leaves it `running` until the
 * lease ends; then any process (the restarted one, another replica) claims it again, and the
 * handler, which must be idempotent, does the rest. A handler that throws is tried again later
 * (with the same backoff as a failed revert); nothing is dropped.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { toFirebreakError } from '../errors.ts';
import { toIso } from '../incidents/normalize.ts';
import type { EngineTimer, TimerKind, TimerOutcome } from '../model/engine.ts';
import type { Runtime } from './runtime.ts';
import { engineLimits } from './settings.ts';

/** What a handler decided: finished, or due again at `dueAt` (epoch ms) with `state`. */
export type TimerResult =
  | { done: true; state?: unknown; error?: string | null }
  | { done: false; dueAt: number; state: unknown; error?: string | null; failed?: boolean };

export type TimerHandler = (rt: Runtime, timer: EngineTimer) => Promise<TimerResult>;

/** Handlers by kind, and what runs after a run of a kind finished (its effects committed). */
export interface TimerKinds {
  handlers: Record<TimerKind, TimerHandler>;
  after?: Partial<Record<TimerKind, (rt: Runtime, timer: EngineTimer) => Promise<void>>>;
}

/** The identity an engine claims timers under. */
export function timerOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** How long a claimed timer stays ours: twice the step timeout (a handler's actions are bounded by it), at least 10 s. */
export function timerLeaseMs(rt: Pick<Runtime, 'config'>): number {
  return Math.max(10_000, 2 * engineLimits(rt.config).stepTimeoutMs);
}

/** The wait before attempt `attempt + 1` of something that failed `attempt` times: doubling, capped. */
export function retryDelayMs(rt: Pick<Runtime, 'config'>, attempt: number): number {
  const { revertRetryMs, revertRetryMaxMs } = engineLimits(rt.config);
  return Math.min(revertRetryMaxMs, revertRetryMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
}

/** Claims and runs one due timer; false when another process had it. */
export async function runTimer(rt: Runtime, kinds: TimerKinds, timer: EngineTimer): Promise<boolean> {
  const now = rt.clock.now();
  const claimed = await rt.store.claimTimer(timer.id, { owner: rt.owner, now: toIso(now), leaseUntil: toIso(now + timerLeaseMs(rt)) });
  if (claimed === null) return false;
  const logger = rt.logger.child({ timerId: claimed.id, timer: claimed.key });
  let result: TimerResult;
  try {
    result = await kinds.handlers[claimed.kind](rt, claimed);
  } catch (err) {
    const error = toFirebreakError(err);
    logger.error({ err: error }, 'timer failed; it is tried again later');
    result = { done: false, dueAt: rt.clock.now() + retryDelayMs(rt, claimed.attempts + 1), state: claimed.state, error: `${error.code}: ${error.message}`, failed: true };
  }
  const at = toIso(rt.clock.now());
  const outcome: TimerOutcome = result.done
    ? { status: 'done', at, ...(result.state === undefined ? {} : { state: result.state }), ...(result.error === undefined ? {} : { lastError: result.error }) }
    : {
        status: 'pending',
        at,
        dueAt: toIso(Math.max(result.dueAt, rt.clock.now() + 1)),
        state: result.state,
        attempts: claimed.attempts + (result.failed === true ? 1 : 0),
        lastError: result.error ?? null,
      };
  const finished = await rt.store.finishTimer(claimed.id, claimed.token, outcome);
  if (finished === null) logger.warn('timer cancelled or taken over while it ran; its outcome is not recorded');
  await kinds.after?.[claimed.kind]?.(rt, claimed);
  return true;
}
