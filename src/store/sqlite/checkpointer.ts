/**
 * Checkpoints off the event loop. The store's connection runs with `wal_autocheckpoint = 0`:
 * SQLite would otherwise checkpoint inside a COMMIT on the event loop, copying pages and
 * syncing twice. Instead a worker thread with its own connection (checkpoint-worker.ts) runs a
 * PASSIVE checkpoint at most every `intervalMs` while commits happen, and the store's writer
 * starts the log over once a checkpoint has copied all of it. The database file's own syncs
 * happen there too, so the event loop never waits for the disk.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../core/logger.ts';

interface CheckpointAnswer {
  ok: boolean;
  busy?: number;
  log?: number;
  checkpointed?: number;
  error?: string;
}

export class Checkpointer {
  readonly #worker: Worker;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | null = null;
  #running = false;
  #closed = false;
  #exited: Promise<void>;

  constructor(databasePath: string, logger: Logger, intervalMs = 1_000) {
    this.#logger = logger;
    this.#intervalMs = intervalMs;
    // It allocates next to nothing: the smallest young generation V8 allows is plenty.
    this.#worker = new Worker(new URL('./checkpoint-worker.ts', import.meta.url), { workerData: { path: databasePath }, resourceLimits: { maxYoungGenerationSizeMb: 1 } });
    // A store someone forgot to close must not keep the process alive.
    this.#worker.unref();
    this.#exited = new Promise((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.on('error', (err) => logger.error({ err }, 'the SQLite checkpointer stopped; the write-ahead log is checkpointed when the store closes'));
    this.#worker.on('message', (answer: CheckpointAnswer) => {
      this.#running = false;
      if (!answer.ok) logger.warn({ error: answer.error }, 'SQLite checkpoint failed; it is tried again after the next commits');
    });
  }

  /** Something was committed: make sure a checkpoint follows within the interval. */
  committed(): void {
    if (this.#timer !== null || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#running || this.#closed) return;
      this.#running = true;
      this.#worker.postMessage('checkpoint');
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /** Stops the thread after the checkpoint in progress; the store's own close checkpoints the rest. */
  async close(): Promise<void> {
    if (this.#closed) return this.#exited;
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    // Waiting for the thread to exit must keep the process alive until it has.
    this.#worker.ref();
    this.#worker.postMessage('close');
    await this.#exited;
    this.#logger.debug('SQLite checkpointer stopped');
  }
}
