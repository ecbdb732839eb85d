/**
 * Full garbage collections of the ingest thread when its heap has grown well past what the last
 * one left live. An alert storm parses its bodies there (the import, processing): a few MiB of
 * JSON become tens of MiB of strings and objects that are garbage a moment later, and V8's own
 * heuristics let the heap grow far past what is live before a full collection (64-75 MiB with
 * about 27 MiB live at a storm's peak), the garbage sitting in the heap and in the process's RSS.
 * Collecting when the heap has grown by a quarter of what was live
 * (and by at least 8 MiB), at most 5% of the thread's time, keeps it near its live size; each collection is a pause of this thread
 * only (12-23 ms for a storm's 15-25 MiB live, see docs/cli.md), never of the main thread.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const MiB = 2 ** 20;
/** Below this much heap in use no collection is forced (V8's own young collections suffice). */
export const TRIM_FLOOR_BYTES = 24 * MiB;
/** The heap may grow by this much over what was live before a collection is forced... */
export const TRIM_GROWTH_BYTES = 8 * MiB;
/** ...and by this factor of it. */
export const TRIM_GROWTH_FACTOR = 1.25;
/**
 * At most this share of the thread's time in forced collections: after a pause of p ms, none for
 * p / share ms (a steady stream of small notifications keeps V8's own, mostly concurrent ones).
 */
export const TRIM_MAX_SHARE = 0.05;

export interface HeapTrim {
  /** Collects now if the heap has grown past the threshold; returns the pause in ms, or null. */
  check(): number | null;
  /** Bytes in use after the last forced collection (0 before the first). */
  readonly liveBytes: number;
}

/**
 * V8's `gc()` for this thread: the one `--expose-gc` installs, or else one taken from a fresh
 * context with that flag set only while the context is made (the flag is process-wide; it is
 * turned off again at once so no other context gets a global `gc`). Null if neither works.
 */
export function fullCollector(): (() => void) | null {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return () => void exposed();
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? () => void gc() : null;
  } catch {
    return null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

export function heapTrim(
  collect: (() => void) | null = fullCollector(),
  used: () => number = () => getHeapStatistics().used_heap_size,
  now: () => number = () => performance.now(),
): HeapTrim {
  let live = 0;
  /** No forced collection before this time (see TRIM_MAX_SHARE). */
  let notBefore = -Infinity;
  return {
    get liveBytes() {
      return live;
    },
    check() {
      if (collect === null || now() < notBefore) return null;
      const threshold = Math.max(TRIM_FLOOR_BYTES, live + TRIM_GROWTH_BYTES, live * TRIM_GROWTH_FACTOR);
      if (used() < threshold) return null;
      const started = now();
      collect();
      live = used();
      const ended = now();
      notBefore = ended + (ended - started) / TRIM_MAX_SHARE;
      return ended - started;
    },
  };
}
