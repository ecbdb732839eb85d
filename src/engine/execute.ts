/**
 * Executing one step: each attempt bounded by the step's timeout (its signal is aborted when the
 * time is up), retries with exponential backoff for retriable errors only.
 *
 * A change is retried only when nothing suggests the failed attempt changed anything: before
 * each retry of a mutating step the action plans again, and if the live state no longer matches
 * the first plan the step fails with ENGINE_STEP_OUTCOME_UNKNOWN instead. Retrying then would
 * capture the half-applied state as the "prior" one and make a later revert restore the wrong
 * value. A timed-out change is never retried for the same reason (ENGINE_STEP_TIMEOUT is not
 * retriable for mutating steps).
 */
import type { Action, ActionContext, ExecuteResult, Plan } from '../actions/types.ts';
import { toFirebreakError, type FirebreakError } from '../errors.ts';
import type { RunbookStep } from '../runbooks/types.ts';
import { outcomeUnknown, stepTimeout } from './errors.ts';

/** Waits `ms` (the backoff); resolves early when `signal` aborts. Injected so tests need no real time. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export type Execution =
  | { ok: true; result: ExecuteResult; attempts: number }
  | { ok: false; error: FirebreakError; attempts: number };

export interface ExecuteInput {
  action: Action;
  step: RunbookStep;
  params: Record<string, unknown>;
  /** The action context for one attempt, with that attempt's abort signal. */
  context: (signal: AbortSignal) => ActionContext;
  timeoutMs: number;
  /** The plan the guards approved (mutating steps): retries compare the live state with it. */
  plan: Plan | null;
  sleep: Sleep;
  /** Aborted when the engine stops: no further retry is started. */
  stop: AbortSignal;
}

/** Runs `work` with a fresh abort signal, failing with `onTimeout()` once `timeoutMs` passed. */
export async function withTimeout<T>(work: (signal: AbortSignal) => Promise<T>, timeoutMs: number, onTimeout: () => FirebreakError, stop?: AbortSignal): Promise<T> {
  const controller = new AbortController();
  const forward = () => controller.abort();
  stop?.addEventListener('abort', forward, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(onTimeout());
    }, timeoutMs);
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
    stop?.removeEventListener('abort', forward);
  }
}

/** Compares two plans' changes (resource, key, from, to), order included. */
function sameChanges(a: Plan, b: Plan): boolean {
  const key = (p: Plan) => JSON.stringify(p.changes.map((c) => [c.resource, c.key, c.from, c.to]));
  return key(a) === key(b);
}

export async function executeStep(input: ExecuteInput): Promise<Execution> {
  const { action, step, params } = input;
  const maxAttempts = 1 + step.retries.count;
  for (let attempt = 1; ; attempt++) {
    let error: FirebreakError;
    try {
      const result = await withTimeout(
        (signal) => action.execute(input.context(signal), params),
        input.timeoutMs,
        () => stepTimeout(step.id, step.action, input.timeoutMs, action.mutating),
        input.stop,
      );
      return { ok: true, result, attempts: attempt };
    } catch (err) {
      error = toFirebreakError(err, 'ENGINE_STEP_FAILED');
    }
    if (!error.retriable || attempt >= maxAttempts || input.stop.aborted) return { ok: false, error, attempts: attempt };
    if (action.mutating && input.plan !== null) {
      let again: Plan;
      try {
        again = await withTimeout(
          (signal) => action.plan(input.context(signal), params),
          input.timeoutMs,
          () => stepTimeout(step.id, step.action, input.timeoutMs, true),
          input.stop,
        );
      } catch {
        return { ok: false, error: outcomeUnknown(step.id, step.action, error), attempts: attempt };
      }
      if (!sameChanges(again, input.plan)) return { ok: false, error: outcomeUnknown(step.id, step.action, error), attempts: attempt };
    }
    await input.sleep(step.retries.backoffMs * 2 ** (attempt - 1), input.stop);
    if (input.stop.aborted) return { ok: false, error, attempts: attempt };
  }
}
