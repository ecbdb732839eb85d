/**
 * "Until the condition has held continuously for `for`": the wait behind
 * `prometheus.query` with `for`, with the semantics of a Prometheus alerting rule's `for`. The
 * condition is checked every `intervalMs`; the first true check starts the clock, any false check
 * (or failed query) resets it, and the wait succeeds once the clock reaches `forMs`. It gives up
 * at `deadline` (clock time) or when `signal` aborts, whichever comes first.
 *
 * Time and sleeping are injected, so tests drive it with a fake clock and no real waiting.
 */
import type { Clock } from '../../core/clock.ts';

export interface HoldOptions<T> {
  clock: Clock;
  /** Waits `ms`; rejects (or resolves early) when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** One check: the value seen and whether the condition holds for it. Throws when it cannot tell. */
  check: () => Promise<{ held: boolean; value: T }>;
  forMs: number;
  intervalMs: number;
  /** Clock time (ms) after which no further check starts. */
  deadline: number;
  signal?: AbortSignal;
  /** Whether an error thrown by `check` may go away by itself (keep polling) or not (give up). */
  isTransient: (err: unknown) => boolean;
}

export interface HoldOutcome<T> {
  held: boolean;
  /** How long the condition had held at the last check, ms (0 when the last check failed). */
  heldForMs: number;
  checks: number;
  /** The value of the last successful check (undefined when none succeeded). */
  last: T | undefined;
  /** The last transient error, when the last check threw one. */
  lastError: unknown;
  /** Why the wait ended. */
  reason: 'held' | 'deadline' | 'aborted';
}

export async function waitUntilHeld<T>(o: HoldOptions<T>): Promise<HoldOutcome<T>> {
  let since: number | null = null;
  let checks = 0;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    checks += 1;
    let held = false;
    try {
      const result = await o.check();
      last = result.value;
      lastError = undefined;
      held = result.held;
    } catch (err) {
      if (!o.isTransient(err)) throw err;
      lastError = err;
    }
    const now = o.clock.now();
    since = held ? (since ?? now) : null;
    const heldForMs = since === null ? 0 : now - since;
    if (since !== null && heldForMs >= o.forMs) return { held: true, heldForMs, checks, last, lastError, reason: 'held' };
    if (isAborted(o.signal)) return { held: false, heldForMs, checks, last, lastError, reason: 'aborted' };
    // The next check would start after the deadline: stop now rather than overrun it.
    if (now + o.intervalMs > o.deadline) return { held: false, heldForMs, checks, last, lastError, reason: 'deadline' };
    try {
      await o.sleep(o.intervalMs, o.signal);
    } catch {
      // Aborted while sleeping.
    }
    if (isAborted(o.signal)) return { held: false, heldForMs, checks, last, lastError, reason: 'aborted' };
  }
}

/** Read through a function: the signal changes between reads, which narrowing cannot know. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
