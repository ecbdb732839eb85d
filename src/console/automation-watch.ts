/**
 * The automation switch (mode and pause) live on every console page. The switch lives in the
 * store and any replica (or the CLI through any replica) changes it, so while a console page
 * has its event stream open, this process reads it from the store every `pollMs` (the same
 * period as the timeline watermark, one read of one row) and after a change made here, and
 * sends `event: automation` with its state to every open stream: once when the stream opens,
 * then at each change. The page compares it with the state it shows (`data-automation`) and
 * fetches itself again when they differ.
 */
import type { Request, Response } from 'express';
import type { Logger } from '../core/logger.ts';
import type { AutomationStatus } from '../engine/engine.ts';
import type { LiveFeed } from '../record/live-feed.ts';

/** What the page compares: equal keys, same switch shown. */
export function automationKey(a: AutomationStatus): string {
  return [a.mode, a.modeChangedAt ?? '', a.paused ? 'paused' : 'running', a.changedAt ?? ''].join('|');
}

export interface AutomationWatch {
  /** Calls `listener` with the state now, then at every change, until the returned function is called. */
  subscribe(listener: (state: AutomationStatus) => void): () => void;
  /** Reads the switch now (after a change made through this process). */
  nudge(): void;
}

export function automationWatch(options: { read: () => Promise<AutomationStatus>; pollMs: number; logger: Logger }): AutomationWatch {
  const listeners = new Set<(state: AutomationStatus) => void>();
  let last: AutomationStatus | null = null;
  let timer: NodeJS.Timeout | null = null;
  let reading = false;

  async function poll(): Promise<void> {
    if (reading || listeners.size === 0) return;
    reading = true;
    try {
      const state = await options.read();
      const changed = last === null || automationKey(state) !== automationKey(last);
      last = state;
      if (changed) for (const listener of [...listeners]) listener(state);
    } catch (err) {
      options.logger.warn({ err }, 'cannot read the automation switch; console pages show it at their next load');
    } finally {
      reading = false;
    }
  }

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (last !== null) listener(last);
      if (timer === null) {
        timer = setInterval(() => void poll(), options.pollMs);
        timer.unref();
      }
      void poll();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer !== null) {
          clearInterval(timer);
          timer = null;
          last = null;
        }
      };
    },
    nudge: () => void poll(),
  };
}

/** Writes `event: automation` to an event stream at every change, until the request ends. */
export function sendAutomation(req: Request, res: Response, watch: AutomationWatch): void {
  if (res.writableEnded) return;
  const unsubscribe = watch.subscribe((state) => {
    if (!res.writableEnded) res.write(`event: automation\ndata: ${JSON.stringify({ key: automationKey(state), ...state })}\n\n`);
  });
  req.on('close', unsubscribe);
  res.on('finish', unsubscribe);
}

/**
 * An event stream of the automation switch alone, for pages without a timeline (runbooks): a
 * heartbeat keeps proxies from closing it; it ends when the client goes or the server shuts down.
 */
export function streamAutomation(req: Request, res: Response, watch: AutomationWatch, live: LiveFeed, heartbeatMs: number): void {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.write('retry: 3000\n\n');
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
  // Subscribed to no incident's entries: only to end with the feed when the server shuts down.
  const ending = live.subscribe({ incidentId: '', onEntry: () => {}, onEnd: () => finish() });
  function finish(): void {
    clearInterval(heartbeat);
    ending.close();
    if (!res.writableEnded) res.end();
  }
  req.on('close', finish);
  sendAutomation(req, res, watch);
}
