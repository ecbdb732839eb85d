/**
 * Group fsync of SQLite's write-ahead log, on the thread pool instead of the event loop.
 *
 * The connection commits with `synchronous = NORMAL`: a COMMIT appends its frames to the
 * `-wal` file with write(2) and returns without an fsync, in microseconds. Before the store
 * resolves the promise of anything it committed, it waits for {@link WalSync.durable}, which
 * runs fdatasync(2) on the `-wal` file through `fs.promises` (libuv's thread pool) and resolves
 * once a sync that started after the commit has finished. A sync serves every commit made
 * before it started, so concurrent callers share it: the more commits arrive while one runs,
 * the more the next one carries (group commit). A few may run at once, so one slow fsync on a
 * busy disk does not hold up every commit behind it.
 *
 * Why this is as durable as `synchronous = FULL` (docs/storage.md, "The commit model"):
 * fdatasync flushes every dirty page of the file, whichever descriptor wrote it (it works on
 * the inode), so once it returns, the frames and the commit record SQLite wrote are on disk,
 * and SQLite's recovery replays them after a power cut. SQLite keeps the `-wal` file for as
 * long as a connection is open, so the file synced is the one SQLite writes. Checkpoints, which
 * copy the log into the database file and may reuse the log, run in their own connection with
 * `synchronous = FULL` (checkpointer.ts): SQLite syncs the log before and the database after.
 *
 * A failed fsync leaves the page cache in an unknown state (the kernel may have dropped the
 * pages it could not write), so the store stops trusting itself: every later call fails with
 * STORE_UNAVAILABLE until firebreak is restarted and SQLite recovers from what is on disk.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FirebreakError } from '../../errors.ts';

/** What one sync carried, for the store's metrics. */
export interface SyncReport {
  /** Commits made durable by this sync. */
  commits: number;
  seconds: number;
}

/** fsyncs in flight at once: a slow one (a busy disk) does not hold up the commits after it. */
const MAX_IN_FLIGHT = 2;

/**
 * Group fsync of one file that a single writer appends to: {@link noteCommit} after each write
 * returned, {@link durable} resolves once a sync that started after it has finished. Used for
 * SQLite's log ({@link WalSync}) and for the segments of the inbox journal
 * (src/ingest/inbox/journal.ts).
 */
export class FileSync {
  readonly #walPath: string;
  readonly #name: string;
  readonly #onSync: (report: SyncReport) => void;
  #handle: Promise<FileHandle> | null = null;
  /** Commits noted so far, and how many of them are known to be on disk. */
  #committed = 0;
  #synced = 0;
  /** Syncs running, each with the commit count when it started (what it covers). */
  readonly #inFlight = new Set<{ upTo: number; done: Promise<void> }>();
  #failure: FirebreakError | null = null;

  /** `path`: the file synced; `name`: what it is, for the error message. */
  constructor(path: string, name: string, onSync: (report: SyncReport) => void = () => {}) {
    this.#walPath = path;
    this.#name = name;
    this.#onSync = onSync;
  }

  /** Set once an fsync failed; the store refuses every call from then on. */
  get failure(): FirebreakError | null {
    return this.#failure;
  }

  /** Records that a COMMIT returned (call it right after, before anything else commits). */
  noteCommit(): void {
    this.#committed += 1;
  }

  /**
   * Resolves once every commit noted before this call is on disk: when a sync that started
   * after them has finished. Joins a running sync that covers them, else starts one (up to
   * MAX_IN_FLIGHT at once), else waits for the next to finish and looks again.
   */
  async durable(): Promise<void> {
    const target = this.#committed;
    while (this.#synced < target) {
      if (this.#failure !== null) throw this.#failure;
      const covering = [...this.#inFlight].find((sync) => sync.upTo >= target);
      if (covering !== undefined) await covering.done;
      else if (this.#inFlight.size < MAX_IN_FLIGHT) await this.#start().done;
      else await Promise.race([...this.#inFlight].map((sync) => sync.done));
    }
    if (this.#failure !== null) throw this.#failure;
  }

  #start(): { upTo: number; done: Promise<void> } {
    // Only commits that returned before the fdatasync starts are sure to be covered by it.
    const sync = { upTo: this.#committed, done: Promise.resolve() };
    sync.done = this.#sync(sync.upTo).finally(() => this.#inFlight.delete(sync));
    this.#inFlight.add(sync);
    return sync;
  }

  async #sync(upTo: number): Promise<void> {
    const started = process.hrtime.bigint();
    try {
      const handle = await (this.#handle ??= openLog(this.#walPath));
      await handle.datasync();
      const commits = Math.max(0, upTo - this.#synced);
      this.#synced = Math.max(this.#synced, upTo);
      this.#onSync({ commits, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    } catch (err) {
      this.#failure ??= new FirebreakError(
        'STORE_UNAVAILABLE',
        `the ${this.#name} could not be synced to disk (${(err as Error).message}); restart firebreak once the disk is healthy`,
        { retriable: true, statusCode: 503, details: { path: this.#walPath }, cause: err },
      );
    }
  }

  /** Waits for the syncs in flight, then closes the file. */
  async close(): Promise<void> {
    await Promise.all([...this.#inFlight].map((sync) => sync.done));
    const handle = this.#handle;
    this.#handle = null;
    await (await handle?.catch(() => null))?.close();
  }
}

/** The group fsync of SQLite's write-ahead log. */
export class WalSync extends FileSync {
  /** `databasePath`: the database file; its log is `<databasePath>-wal`. */
  constructor(databasePath: string, onSync: (report: SyncReport) => void = () => {}) {
    super(`${databasePath}-wal`, 'write-ahead log', onSync);
  }
}

/**
 * Opens the file for syncing, and syncs its directory once: the file was created, and its
 * directory entry must be on disk too before anything in it counts as durable.
 */
async function openLog(path: string): Promise<FileHandle> {
  const handle = await open(path, 'r');
  try {
    const directory = await open(dirname(path), 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  } catch (err) {
    await handle.close();
    throw err;
  }
  return handle;
}
