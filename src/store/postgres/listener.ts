/**
 * LISTEN on one dedicated connection, for the replicas to wake each other (engine_runs_notify in
 * migration 004 sends `firebreak_runs` when a commit leaves a run pending). The connection is
 * re-opened with a growing pause (up to 5 s) whenever it breaks, and listeners are called once
 * after each (re)connection: a notification sent while it was down is lost, the work is not.
 */
import pg from 'pg';
import type { Logger } from '../../core/logger.ts';

export const CHANNELS = { runs: 'firebreak_runs' } as const;
export type Topic = keyof typeof CHANNELS;

export class Listener {
  readonly #config: pg.ClientConfig;
  readonly #logger: Logger;
  readonly #listeners = new Map<Topic, Set<() => void>>();
  #client: pg.Client | null = null;
  #connecting: Promise<void> | null = null;
  #retryMs = 100;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(config: pg.ClientConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
  }

  subscribe(topic: Topic, listener: () => void): () => void {
    let set = this.#listeners.get(topic);
    if (set === undefined) this.#listeners.set(topic, (set = new Set()));
    set.add(listener);
    this.#ensure();
    return () => {
      set.delete(listener);
    };
  }

  #ensure(): void {
    if (this.#closed || this.#client !== null || this.#connecting !== null || this.#timer !== null) return;
    this.#connecting = this.#connect().finally(() => {
      this.#connecting = null;
    });
  }

  async #connect(): Promise<void> {
    const client = new pg.Client(this.#config);
    let gone = false;
    const broken = (err?: Error) => {
      // `error` and `end` both come when a connection breaks: reconnect once.
      if (gone) return;
      gone = true;
      if (this.#client === client) this.#client = null;
      client.removeAllListeners('notification');
      client.end().catch(() => undefined);
      if (this.#closed) return;
      if (err !== undefined) this.#logger.warn({ err: { message: err.message } }, 'the PostgreSQL notification connection broke; reconnecting');
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#ensure();
      }, this.#retryMs);
      this.#timer.unref();
      this.#retryMs = Math.min(this.#retryMs * 2, 5_000);
    };
    client.on('error', (err) => broken(err));
    client.on('end', () => broken());
    try {
      await client.connect();
      for (const channel of Object.values(CHANNELS)) await client.query(`LISTEN ${channel}`);
    } catch (err) {
      broken(err as Error);
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    client.on('notification', (message) => {
      const topic = (Object.keys(CHANNELS) as Topic[]).find((t) => CHANNELS[t] === message.channel);
      if (topic !== undefined) this.#emit(topic);
    });
    this.#client = client;
    this.#retryMs = 100;
    // Whatever was sent while there was no connection: look at the store once.
    for (const topic of this.#listeners.keys()) this.#emit(topic);
  }

  #emit(topic: Topic): void {
    for (const listener of this.#listeners.get(topic) ?? []) {
      try {
        listener();
      } catch (err) {
        this.#logger.error({ err }, 'a store notification listener failed');
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#connecting;
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => undefined);
  }
}
