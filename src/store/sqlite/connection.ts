/**
 * Opens the one SQLite connection of a store, with the settings firebreak relies on.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Logger } from '../../core/logger.ts';
import { FirebreakError } from '../../errors.ts';
import { mapSqliteError } from './sqlite-errors.ts';

/** The path node:sqlite understands as a private in-memory database. */
export const MEMORY_PATH = ':memory:';

export interface ConnectionOptions {
  path: string;
  busyTimeoutMs: number;
  logger: Logger;
}

/**
 * Opens `path` (creating the file and its parent directory when missing) and applies:
 * - a parent directory firebreak creates gets mode 0700 (less the umask): it is usually the data
 *   directory, which also holds the generated credentials. An existing directory keeps its mode.
 * - `journal_mode=WAL`: readers (other processes, a backup) never block the writer and the
 *   writer never blocks them; commits append to the -wal file instead of rewriting pages.
 * - `synchronous=FULL`: the WAL is fsynced at every commit. With NORMAL, WAL commits reach the
 *   disk only at the next checkpoint; they survive a process crash (the OS has them) but not a
 *   power cut or kernel panic, which would lose notifications Alertmanager was already told we
 *   stored (it does not resend after a 2xx). One fsync per commit is the price of the ack
 *   meaning "durable".
 * - `foreign_keys=ON`: SQLite leaves them off per connection unless asked.
 * - `busy_timeout`: when another process (the CLI, a backup) holds the write lock, wait this
 *   long for it before failing with STORE_UNAVAILABLE.
 */
export function openConnection(options: ConnectionOptions): DatabaseSync {
  const { path, busyTimeoutMs, logger } = options;
  if (typeof path !== 'string' || path === '') {
    throw new FirebreakError('STORE_FILE_ERROR', 'the SQLite store needs a file path or ":memory:"');
  }
  const inMemory = path === MEMORY_PATH;
  if (!inMemory) {
    try {
      mkdirSync(dirname(resolve(path)), { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new FirebreakError('STORE_FILE_ERROR', `cannot create the directory of ${path}: ${(err as Error).message}`, {
        statusCode: 503,
        details: { path },
        cause: err,
      });
    }
  }
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { enableForeignKeyConstraints: true });
  } catch (err) {
    throw mapSqliteError(err, `open ${path}`);
  }
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    const mode = db.prepare('PRAGMA journal_mode = WAL').get()?.journal_mode;
    if (!inMemory && mode !== 'wal') {
      // Some file systems (network mounts) cannot host WAL's shared memory; SQLite then keeps
      // its rollback journal. Still correct and durable, only readers and the writer block each other.
      logger.warn({ path, journalMode: mode }, 'SQLite could not switch to WAL; continuing with its rollback journal');
    }
    db.exec('PRAGMA synchronous = FULL');
    db.exec('PRAGMA foreign_keys = ON');
  } catch (err) {
    db.close();
    throw mapSqliteError(err, `configure ${path}`);
  }
  return db;
}
