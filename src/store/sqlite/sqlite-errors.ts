/**
 * Translation of node:sqlite errors into store error codes. node:sqlite throws an Error with
 * `code: 'ERR_SQLITE_ERROR'`, the extended SQLite result code in `errcode` and its text in
 * `errstr`; the low byte of `errcode` is the primary result code.
 */
import { FirebreakError, isFirebreakError } from '../../errors.ts';

const SQLITE_ERROR = 1;
const SQLITE_PERM = 3;
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_NOMEM = 7;
const SQLITE_READONLY = 8;
const SQLITE_IOERR = 10;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_PROTOCOL = 15;
const SQLITE_CONSTRAINT = 19;
const SQLITE_NOTADB = 26;

/** Extended code of a failed foreign key (the referenced incident does not exist). */
export const SQLITE_CONSTRAINT_FOREIGNKEY = 787;
/** Extended code of a failed PRIMARY KEY constraint. */
export const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;

interface SqliteError extends Error {
  code: 'ERR_SQLITE_ERROR';
  errcode: number;
  errstr: string;
}

export function isSqliteError(value: unknown): value is SqliteError {
  return (
    value instanceof Error &&
    (value as Partial<SqliteError>).code === 'ERR_SQLITE_ERROR' &&
    typeof (value as Partial<SqliteError>).errcode === 'number'
  );
}

/** The extended SQLite result code of `value`, or undefined when it is not a SQLite error. */
export function sqliteCode(value: unknown): number | undefined {
  return isSqliteError(value) ? value.errcode : undefined;
}

/**
 * Maps anything a node:sqlite call threw to a FirebreakError (FirebreakErrors pass through).
 * - busy/locked past busy_timeout, I/O errors, a full disk: STORE_UNAVAILABLE, retriable —
 *   another process held the write lock, or an operator has to free space; a later try can work;
 * - the file cannot be opened, written or read as a database: STORE_FILE_ERROR, not retriable;
 * - constraint violations: STORE_CONSTRAINT (409);
 * - a missing table: STORE_SCHEMA_MISSING (migrate() was not run);
 * - anything else: STORE_QUERY_FAILED.
 */
export function mapSqliteError(err: unknown, operation: string): FirebreakError {
  if (isFirebreakError(err)) return err;
  if (!isSqliteError(err)) {
    const message = err instanceof Error ? err.message : String(err);
    return new FirebreakError('STORE_QUERY_FAILED', `${operation}: ${message}`, { cause: err });
  }
  const primary = err.errcode & 0xff;
  const details = { operation, sqliteCode: err.errcode, sqliteError: err.errstr };
  const message = `${operation}: ${err.message}`;
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_PROTOCOL:
    case SQLITE_NOMEM:
      return new FirebreakError('STORE_UNAVAILABLE', message, { retriable: true, statusCode: 503, details, cause: err });
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_CORRUPT:
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
      return new FirebreakError('STORE_FILE_ERROR', message, { statusCode: 503, details, cause: err });
    case SQLITE_CONSTRAINT:
      return new FirebreakError('STORE_CONSTRAINT', message, { statusCode: 409, details, cause: err });
    case SQLITE_ERROR:
      if (/no such (table|column)/.test(err.message)) {
        return new FirebreakError('STORE_SCHEMA_MISSING', `${message} (has migrate() been run?)`, { details, cause: err });
      }
      break;
    default:
      break;
  }
  return new FirebreakError('STORE_QUERY_FAILED', message, { details, cause: err });
}
