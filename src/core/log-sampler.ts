/**
 * One info line per event while events are few, a count per second once they are many.
 *
 * A webhook request and a processed notification each have a log line of their own. At the
 * rates Alertmanager usually posts (a few notifications a minute) every one is logged at info.
 * In a burst, writing thousands of lines a second costs more CPU than acknowledging the
 * notifications does, and nobody reads them: past `perWindow` events in a window, a line is
 * written at debug instead (still there with `log.level: debug`), and when the window ends one
 * info line says how many events it held and how many of them were logged at info. An operator
 * reading the log at info always sees that notifications arrive, and how many.
 */
import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';

export interface LogSamplerOptions {
  logger: Logger;
  /** The summary line's message, e.g. `webhook notifications accepted`. */
  message: string;
  /** Events logged at info in each window; the others at debug. Default 10. */
  perWindow?: number;
  /** Default 1 000 ms. */
  windowMs?: number;
  clock: Clock;
  /** Runs `fn` after `ms` (default: an unref'd setTimeout, which never keeps the process alive). */
  schedule?: (fn: () => void, ms: number) => void;
}

export interface LogSampler {
  /** Counts one event: true when its own line goes at info, false when at debug. */
  take(): boolean;
  /** Writes the summary of the window in progress now, if it has one (at shutdown). */
  flush(): void;
}

export const LOG_SAMPLER_DEFAULTS = { perWindow: 10, windowMs: 1_000 } as const;

function unrefTimer(fn: () => void, ms: number): void {
  setTimeout(fn, ms).unref();
}

export function createLogSampler(options: LogSamplerOptions): LogSampler {
  const perWindow = options.perWindow ?? LOG_SAMPLER_DEFAULTS.perWindow;
  const windowMs = options.windowMs ?? LOG_SAMPLER_DEFAULTS.windowMs;
  const schedule = options.schedule ?? unrefTimer;
  let start: number | null = null;
  let events = 0;
  let summaryDue = false;
  /** Bumped by each summary, so a timer of a window already summarised (by flush) does nothing. */
  let generation = 0;

  function summarise(): void {
    if (!summaryDue || start === null) return;
    const elapsedMs = Math.round(options.clock.now() - start);
    options.logger.info({ events, loggedAtInfo: perWindow, windowMs: elapsedMs }, `${options.message}: ${events} in ${elapsedMs} ms; the first ${perWindow} were logged one by one, the others only at debug`);
    start = null;
    events = 0;
    summaryDue = false;
    generation += 1;
  }

  return {
    take() {
      const now = options.clock.now();
      if (start === null || (!summaryDue && now - start >= windowMs)) {
        start = now;
        events = 0;
      }
      events += 1;
      if (events <= perWindow) return true;
      if (!summaryDue) {
        summaryDue = true;
        const due = generation;
        schedule(() => {
          if (due === generation) summarise();
        }, Math.max(0, start + windowMs - now));
      }
      return false;
    },
    flush: summarise,
  };
}
