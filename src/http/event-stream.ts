/**
 * Server-sent events of an incident's timeline (or of every incident): first the entries after
 * the client's last one (`Last-Event-ID`, which browsers send when they reconnect, or `afterId`),
 * read from the store, then every entry committed from then on, pushed by the live feed. Each
 * event is `id: <entry id>`, `event: timeline`, `data: <entry as JSON>`. Entries another replica
 * commits are read from the store when the feed notices them: an incident's stream sends them as
 * entries, the stream of every incident sends `event: changed` (its pages fetch themselves again).
 * A comment line every `heartbeatMs` keeps proxies from closing an idle stream. The stream ends
 * when the client goes away or the server shuts down (the feed closes).
 */
import type { Request, Response } from 'express';
import type { TimelineEntry } from '../model/incident.ts';
import type { LiveFeed } from '../record/live-feed.ts';
import type { Store } from '../store/types.ts';

export const DEFAULT_HEARTBEAT_MS = 25_000;

export interface EventStreamOptions {
  store: Store;
  feed: LiveFeed;
  /** Only this incident's entries; all incidents when absent (then no backlog is replayed). */
  incidentId?: string;
  /** Replay entries after this id first (incident streams only). */
  afterId?: number;
  heartbeatMs?: number;
}

/** The id a reconnecting client last saw (`Last-Event-ID`), when it is a plain integer. */
export function lastEventId(req: Request): number | undefined {
  const raw = req.get('last-event-id');
  return raw !== undefined && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

export async function streamTimeline(req: Request, res: Response, options: EventStreamOptions): Promise<void> {
  const { incidentId } = options;
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  // Tells a browser to wait 3 s before reconnecting after the stream ends.
  res.write('retry: 3000\n\n');

  let sent = options.afterId ?? 0;
  /** While the store is read, live entries wait here, so everything goes out in id order. */
  let held: TimelineEntry[] | null = null;
  let ended = false;
  const send = (entry: TimelineEntry) => {
    if (incidentId !== undefined && entry.id <= sent) return;
    sent = Math.max(sent, entry.id);
    res.write(`id: ${entry.id}\nevent: timeline\ndata: ${JSON.stringify(entry)}\n\n`);
  };

  /** Sends what the store has after `sent` (incident streams), holding live entries meanwhile. */
  async function catchUp(): Promise<void> {
    if (incidentId === undefined || held !== null || ended) return;
    held = [];
    try {
      for (const entry of await options.store.timeline(incidentId, { afterId: sent })) send(entry);
    } catch {
      finish();
      return;
    } finally {
      const waiting: TimelineEntry[] = held ?? [];
      held = null;
      if (!ended) for (const entry of waiting) send(entry);
    }
  }

  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  // Subscribed before the first read: an entry committed in between is in one or the other (or both; sent once).
  const subscription = options.feed.subscribe({
    ...(incidentId === undefined ? {} : { incidentId }),
    onEntry: (entry) => (held === null ? send(entry) : held.push(entry)),
    onWake: () => {
      if (incidentId === undefined) res.write('event: changed\ndata: {}\n\n');
      else void catchUp();
    },
    onEnd: () => finish(),
  });
  function finish(): void {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    subscription.close();
    res.end();
  }
  req.on('close', finish);
  if (options.afterId !== undefined) await catchUp();
}
