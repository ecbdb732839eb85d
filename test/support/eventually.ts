/**
 * Polling for tests: wait for state that becomes true by itself (a broker applying committed
 * metadata, a server finishing a step in the background, a process exiting) with a bounded
 * deadline instead of a sleep. Two styles:
 *
 * - {@link waitFor}: `check` returns `undefined` for "not yet" and a value when done; an error
 *   thrown by `check` fails at once (it is a bug, not a "not yet").
 * - {@link eventually}: `assertion` throws (e.g. a chai `expect`) for "not yet"; at the deadline
 *   its last error is rethrown.
 *
 * Both make the first attempt at once, then one every `intervalMs`, and give up after the first
 * attempt that ends past the deadline. Timing is wall-clock: these are for integration tests
 * against real components, not for code under a fake clock.
 */

/** How long and how often to poll. */
export interface PollOptions {
  /** Give up after this many milliseconds. Default 15 000. */
  timeoutMs?: number;
  /** Pause between attempts in milliseconds. Default 100. */
  intervalMs?: number;
  /**
   * Succeed only after this many consecutive successful attempts (default 1): for state that
   * converges over time, where one good read may still be followed by a stale one.
   */
  consecutive?: number;
}

/** {@link PollOptions} plus a description of what is awaited, for the timeout message. */
export interface EventuallyOptions extends PollOptions {
  /** What is awaited; prefixed to the last error's message at the deadline. */
  what?: string;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_INTERVAL_MS = 100;

/** Outcome of one attempt: done with a value, or not yet (with the reason when there is one). */
type Attempt<T> = { done: true; value: T } | { done: false; error?: unknown };

async function poll<T>(attempt: () => Promise<Attempt<T>>, options: PollOptions, onTimeout: (last: Attempt<T>) => never): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const needed = options.consecutive ?? 1;
  const deadline = Date.now() + timeoutMs;
  let streak = 0;
  for (;;) {
    const outcome = await attempt();
    streak = outcome.done ? streak + 1 : 0;
    if (outcome.done && streak >= needed) return outcome.value;
    if (Date.now() > deadline) onTimeout(outcome);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Polls `check` until it returns something other than `undefined` and resolves with that value;
 * rejects with an error naming `what` once `timeoutMs` has passed. An error thrown by `check`
 * rejects at once — catch inside `check` what should count as "not yet".
 */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, options: PollOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return poll<T>(
    async () => {
      const value = await check();
      return value === undefined ? { done: false } : { done: true, value };
    },
    options,
    () => {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    },
  );
}

/**
 * Retries `assertion` while it throws and resolves with its result; once `timeoutMs` has passed,
 * rethrows its last error — with `what` and the timeout prefixed to the message when `what` is
 * given — so the failure shows what was last seen (a chai assertion keeps its diff).
 */
export async function eventually<T>(assertion: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return poll<T>(
    async () => {
      try {
        return { done: true, value: await assertion() };
      } catch (error) {
        return { done: false, error };
      }
    },
    options,
    (last) => {
      // A run of successes cut short by the deadline has no error: say so instead of rethrowing nothing.
      const error = 'error' in last ? last.error : new Error(`not ${options.consecutive} consecutive successes`);
      if (options.what !== undefined && error instanceof Error) {
        const original = error.message;
        error.message = `timed out after ${timeoutMs} ms waiting for ${options.what}: ${original}`;
        // Some errors build `stack` from the current message when it is first read: then it shows the new one already.
        if (error.stack !== undefined && !error.stack.includes(error.message)) error.stack = error.stack.replace(original, error.message);
      }
      throw error;
    },
  );
}
