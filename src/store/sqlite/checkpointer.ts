/**
 * Checkpoints without a thread of their own and without waiting for the disk on the event loop.
 *
 * The store's connection runs with `wal_autocheckpoint = 0`: SQLite would otherwise checkpoint
 * inside a COMMIT, copying pages and syncing the log and the database file on the event loop.
 * Instead, at most every `intervalMs` while commits happen, this thread runs a PASSIVE checkpoint
 * on a connection of its own with `synchronous = OFF` (it copies pages, which the kernel takes
 * in microseconds each, and syncs nothing) and does the two syncs SQLite would have done itself
 * with fdatasync on libuv's thread pool, in the same order:
 *
 * 1. `pin`, a second connection of its own, opens a read transaction. While it is open, the
 *    checkpoint copies no frame beyond what `pin` sees, and the writer cannot start the log
 *    over (SQLite restarts the log only when no reader uses it).
 * 2. The log is synced: every frame `pin` sees is on disk (a fresh fdatasync, whoever wrote
 *    them: this process or another one on the same file).
 * 3. The checkpoint copies those frames into the database file (`copy`, no sync).
 * 4. The database file is synced.
 * 5. `pin` ends its read transaction: from now on the writer may reuse the log.
 *
 * So the log is reused only once the database file holds what it held on disk, as with
 * `synchronous = FULL`: a power cut at any point finds the frames either still in an intact log
 * (SQLite's recovery replays them) or in the synced database file. A sync that fails leaves the
 * log pinned (it grows, nothing in it is lost) and stops checkpointing until a restart; the
 * store's own syncs report the disk's failure to callers. docs/storage.md, "The commit model".
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Logger } from '../../core/logger.ts';
import { FileSync } from './wal-sync.ts';

/** How the checkpointer syncs a file: resolves once everything written to it before is on disk. */
export interface Syncer {
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** An fdatasync of `path` on the thread pool that starts after the call. */
export function fileSyncer(path: string, name: string): Syncer {
  const file = new FileSync(path, name);
  return {
    sync() {
      file.noteCommit();
      return file.durable();
    },
    close: () => file.close(),
  };
}

export interface CheckpointerOptions {
  /** The database file (its log is `<path>-wal`). */
  path: string;
  logger: Logger;
  /** At most one checkpoint this often while commits happen. Default 1000 ms. */
  intervalMs?: number;
  /** Syncs of the log and of the database file (tests hold them); default: fdatasync. */
  syncLog?: Syncer;
  syncDatabase?: Syncer;
}

/** What the last checkpoint did (SQLite's figures, in frames of the log). */
export interface CheckpointFigures {
  /** Frames in the log, and how many of them are now in the database file. */
  log: number;
  checkpointed: number;
  /** How long the copy held this thread, ms. */
  copyMs: number;
}

export class Checkpointer {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #pin: DatabaseSync;
  readonly #copy: DatabaseSync;
  readonly #begin: StatementSync;
  readonly #checkpoint: StatementSync;
  readonly #syncLog: Syncer;
  readonly #syncDatabase: Syncer;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #closed = false;
  /** Set when a sync failed: the log stays pinned, no more checkpoints. */
  #stopped = false;
  #last: CheckpointFigures | null = null;

  constructor(options: CheckpointerOptions) {
    this.#logger = options.logger;
    this.#intervalMs = options.intervalMs ?? 1_000;
    this.#pin = new DatabaseSync(options.path);
    this.#copy = new DatabaseSync(options.path);
    try {
      // Copies pages only; the syncs are done off the event loop (see the module comment).
      this.#copy.exec('PRAGMA synchronous = OFF');
      this.#checkpoint = this.#copy.prepare('PRAGMA wal_checkpoint(PASSIVE)');
      // Any read starts the read transaction: the log is pinned from here to its end.
      this.#begin = this.#pin.prepare('SELECT 1 FROM sqlite_schema LIMIT 1');
    } catch (err) {
      this.#pin.close();
      this.#copy.close();
      throw err;
    }
    this.#syncLog = options.syncLog ?? fileSyncer(`${options.path}-wal`, 'write-ahead log');
    this.#syncDatabase = options.syncDatabase ?? fileSyncer(options.path, 'database file');
  }

  /** What the last checkpoint did; null before the first. */
  get last(): CheckpointFigures | null {
    return this.#last;
  }

  /** Something was committed: make sure a checkpoint follows within the interval. */
  committed(): void {
    if (this.#timer !== null || this.#closed || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#running !== null || this.#closed) {
        // One is under way: the commits it does not cover get the next.
        if (!this.#closed) void this.#running?.then(() => this.committed());
        return;
      }
      this.#running = this.#run().finally(() => {
        this.#running = null;
      });
    }, this.#intervalMs);
    // A store someone forgot to close must not keep the process alive.
    this.#timer.unref();
  }

  /** One checkpoint, steps 1 to 5 of the module comment; never rejects. */
  async #run(): Promise<void> {
    let copied = false;
    try {
      this.#pin.exec('BEGIN');
      this.#begin.get();
      await this.#syncLog.sync();
      if (this.#closed) return;
      const started = performance.now();
      const row = this.#checkpoint.get() ?? {};
      const figures = { log: Number(row.log), checkpointed: Number(row.checkpointed), copyMs: performance.now() - started };
      copied = figures.checkpointed > 0;
      if (copied) await this.#syncDatabase.sync();
      this.#last = figures;
      this.#logger.debug({ ...figures, busy: Number(row.busy) }, 'SQLite checkpoint');
    } catch (err) {
      if (copied || (err as { code?: unknown }).code === 'STORE_UNAVAILABLE') {
        // A sync failed: the log stays pinned so that nothing in it is reused before it is safe.
        this.#stopped = true;
        this.#logger.error({ err }, 'SQLite checkpoint: a sync failed; the write-ahead log is kept whole and grows until firebreak is restarted');
        return;
      }
      this.#logger.warn({ err }, 'SQLite checkpoint failed; it is tried again after the next commits');
    } finally {
      if (!this.#stopped && this.#pin.isTransaction) this.#pin.exec('ROLLBACK');
    }
  }

  /** Waits for the checkpoint under way, then closes its connections; the store's own close checkpoints the rest. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
    this.#pin.close();
    this.#copy.close();
    await Promise.all([this.#syncLog.close(), this.#syncDatabase.close()]);
    this.#logger.debug('SQLite checkpointer stopped');
  }
}
