/**
 * Follows a server-sent event stream of a running `serve` (`GET /api/v1/incidents/:id/events`)
 * for `firebreak incident --follow`: hands each event to `onEvent`, and when the stream drops
 * (a restart, a proxy timeout) reconnects after `retryMs` from the last event id, as a browser
 * does, until `signal` aborts. Same URL and token resolution as the other operator commands.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveApiClient } from '../../config/api-client.ts';
import { FirebreakError } from '../../errors.ts';
import type { CliIo } from '../types.ts';

export interface StreamEvent {
  id: string | null;
  event: string;
  data: string;
}

/** Splits an event-stream text into complete events; returns them and the unfinished rest. */
export function parseEvents(buffer: string): { events: StreamEvent[]; rest: string } {
  const events: StreamEvent[] = [];
  const blocks = buffer.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    let id: string | null = null;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) events.push({ id, event, data: data.join('\n') });
  }
  return { events, rest };
}

export async function followStream(
  io: CliIo,
  flags: { url?: string; config?: string },
  path: string,
  options: { lastId: string | null; onEvent: (event: StreamEvent) => void; signal: AbortSignal; retryMs?: number },
): Promise<void> {
  const client = resolveApiClient({ env: io.env, readFile: io.readFile, ...(flags.url === undefined ? {} : { url: flags.url }), ...(flags.config === undefined ? {} : { config: flags.config }) });
  let lastId = options.lastId;
  const retryMs = options.retryMs ?? 3_000;
  while (!options.signal.aborted) {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (client.token !== null) headers.authorization = `Bearer ${client.token}`;
    if (lastId !== null) headers['last-event-id'] = lastId;
    try {
      const response = await fetch(`${client.url}${path}`, { headers, signal: options.signal });
      if (!response.ok || response.body === null) {
        const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
        throw new FirebreakError(body.code ?? 'CLI_SERVER_ERROR', body.message ?? `GET ${path} answered ${response.status}`, { statusCode: response.status });
      }
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        const parsed = parseEvents(buffer);
        buffer = parsed.rest;
        for (const event of parsed.events) {
          if (event.id !== null) lastId = event.id;
          options.onEvent(event);
        }
      }
    } catch (err) {
      if (options.signal.aborted) return;
      // Answers such as 401 or 404 will not get better by trying again.
      if (err instanceof FirebreakError && err.statusCode >= 400 && err.statusCode < 500) throw err;
      io.stderr.write(`stream interrupted (${(err as Error).message}); reconnecting in ${retryMs / 1000} s\n`);
    }
    if (options.signal.aborted) return;
    await sleep(retryMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
}
