/**
 * Translation of `pg` errors into store error codes. A server error carries a five-character
 * SQLSTATE in `code` (class = its first two characters); anything else the driver throws (a
 * refused or dropped connection, a timeout) means the database could not be reached.
 */
import pg from 'pg';
import { FirebreakError, isFirebreakError } from '../../errors.ts';
import { storeError } from '../errors.ts';

type ServerError = pg.DatabaseError & { code: string };

/** True for an error the server answered (as opposed to a connection failure). */
export function isServerError(value: unknown): value is ServerError {
  return value instanceof pg.DatabaseError && typeof value.code === 'string';
}

/** The SQLSTATE of `value`, or undefined when it is not a server error. */
export function sqlState(value: unknown): string | undefined {
  return isServerError(value) ? value.code : undefined;
}

export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';

/** Classes and codes after which a later try can work: the server or the network is the problem. */
const RETRIABLE_CLASSES = new Set(['08', '53', '57', '58', '40']);
const RETRIABLE_CODES = new Set(['55P03' /* lock_not_available: lock_timeout */, '25P03' /* idle in transaction timeout */]);

function unavailable(message: string, details: Record<string, unknown>, cause: unknown): FirebreakError {
  return storeError('STORE_UNAVAILABLE', message, { details, cause });
}

/**
 * Maps anything a `pg` call threw to a FirebreakError (FirebreakErrors pass through):
 * - no answer from the server (refused, reset, timed out), a server shutting down or out of
 *   resources, a serialization failure or deadlock, a lock wait over lock_timeout:
 *   STORE_UNAVAILABLE, retriable (Alertmanager retries the 503);
 * - constraint violations: STORE_CONSTRAINT (409);
 * - a missing table: STORE_SCHEMA_MISSING (migrate() was not run);
 * - bad credentials or an unknown database: STORE_UNAVAILABLE too, since a replica keeps
 *   retrying while an operator fixes the secret, but with the server's message;
 * - anything else: STORE_QUERY_FAILED.
 */
export function mapPgError(err: unknown, operation: string): FirebreakError {
  if (isFirebreakError(err)) return err;
  const message = `${operation}: ${err instanceof Error ? err.message : String(err)}`;
  if (!isServerError(err)) {
    const code = err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined;
    return unavailable(message, { operation, ...(code === undefined ? {} : { errno: code }) }, err);
  }
  const details = { operation, sqlState: err.code, ...(err.constraint === undefined ? {} : { constraint: err.constraint }) };
  const klass = err.code.slice(0, 2);
  if (RETRIABLE_CLASSES.has(klass) || RETRIABLE_CODES.has(err.code) || klass === '28' || err.code === '3D000') {
    return unavailable(message, details, err);
  }
  if (klass === '23') return storeError('STORE_CONSTRAINT', message, { details, cause: err });
  if (err.code === '42P01' || err.code === '42703') {
    return storeError('STORE_SCHEMA_MISSING', `${message} (has migrate() been run?)`, { details, cause: err });
  }
  return storeError('STORE_QUERY_FAILED', message, { details, cause: err });
}
