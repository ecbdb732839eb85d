/**
 * Whether the SQLite store can write now: what readiness (`ping`) and the start check. Reading
 * is not enough: a read-only file or file system opens and reads fine, and a full disk answers
 * reads, while every webhook would get 503.
 *
 * 1. A committed one-page write: the database header's `user_version` (which firebreak does not
 *    use otherwise) is rewritten with its own value in an IMMEDIATE transaction, through the WAL
 *    with its fsync, exactly as real writes go. A read-only file or file system, an I/O error or
 *    a full disk with no room for one more WAL frame fails here.
 * 2. Free space where the file lives: a disk with less than {@link MIN_FREE_BYTES} left cannot
 *    take a notification of any size, even while the WAL still has room for the small write of
 *    step 1 (it reuses its own space after a checkpoint).
 */
import { statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { FirebreakError } from '../../errors.ts';
import { mapSqliteError } from './sqlite-errors.ts';
import { MEMORY_PATH } from './connection.ts';

/** Below this much free space on its disk the store is reported as unable to write. */
export const MIN_FREE_BYTES = 1_048_576;

/** Throws STORE_FILE_ERROR (read-only) or STORE_UNAVAILABLE (full disk, I/O) when the store cannot write. */
export function assertWritable(db: DatabaseSync, path: string): void {
  try {
    const version = Number(db.prepare('PRAGMA user_version').get()?.user_version ?? 0);
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(`PRAGMA user_version = ${Math.trunc(version)}`);
      db.exec('COMMIT');
    } finally {
      if (db.isTransaction) db.exec('ROLLBACK');
    }
  } catch (err) {
    const e = mapSqliteError(err, 'write check');
    throw new FirebreakError(e.code, `the store ${path} cannot be written: ${e.message}`, {
      retriable: e.retriable,
      statusCode: 503,
      cause: err,
      details: { ...e.details, path },
    });
  }
  if (path === MEMORY_PATH) return;
  const stats = statfsSync(dirname(resolve(path)));
  const free = Number(stats.bavail) * Number(stats.bsize);
  if (free < MIN_FREE_BYTES) {
    throw new FirebreakError('STORE_UNAVAILABLE', `the disk holding the store ${path} is full: ${free} bytes free, less than ${MIN_FREE_BYTES}`, {
      retriable: true,
      statusCode: 503,
      details: { path, freeBytes: free, minFreeBytes: MIN_FREE_BYTES },
    });
  }
}
