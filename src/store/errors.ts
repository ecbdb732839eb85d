/**
 * Errors every store backend raises. Codes are stable and documented in docs/errors.md
 * ("Store" section); callers match on `code`, never on messages.
 */
import { FirebreakError } from '../errors.ts';

/** Codes a store raises. `NOT_FOUND` is shared with the HTTP layer (404). */
export type StoreErrorCode =
  | 'NOT_FOUND'
  | 'STORE_UNAVAILABLE'
  | 'STORE_FILE_ERROR'
  | 'STORE_INVALID_URL'
  | 'STORE_CLOSED'
  | 'STORE_CONSTRAINT'
  | 'STORE_INVALID_QUERY'
  | 'STORE_INVALID_VALUE'
  | 'STORE_SCHEMA_MISSING'
  | 'STORE_SCHEMA_TOO_NEW'
  | 'STORE_MIGRATION_FAILED'
  | 'STORE_TX_MISUSE'
  | 'STORE_QUERY_FAILED';

/** No record with this id (an incident, a notification, an engine run, step claim or approval). */
export function notFound(what: 'incident' | 'notification' | 'run' | 'claim' | 'approval' | 'timer', id: string | number): FirebreakError {
  return new FirebreakError('NOT_FOUND', `${what} ${id} does not exist`, {
    statusCode: 404,
    details: { [`${what}Id`]: id },
  });
}

/** A list query the store cannot run (limit out of range, bad cursor, bad filter). */
export function invalidQuery(message: string, details: Record<string, unknown> = {}): FirebreakError {
  return new FirebreakError('STORE_INVALID_QUERY', message, { statusCode: 400, details });
}

/** A value the store refuses to write (unparseable time, unknown status or role, non-JSON payload). */
export function invalidValue(message: string, details: Record<string, unknown> = {}): FirebreakError {
  return new FirebreakError('STORE_INVALID_VALUE', message, { statusCode: 400, details });
}

/** The store was closed; nothing more can be done with this instance. */
export function storeClosed(): FirebreakError {
  return new FirebreakError('STORE_CLOSED', 'the store is closed', { statusCode: 503 });
}

/** The schema was written by a newer firebreak than this one. */
export function schemaTooNew(found: number, known: number): FirebreakError {
  return new FirebreakError(
    'STORE_SCHEMA_TOO_NEW',
    `the database schema is at version ${found} but this firebreak knows migrations up to ${known}; ` +
      'run a firebreak at least as new as the one that last migrated this database',
    { details: { schemaVersion: found, knownVersion: known } },
  );
}

/** A migration could not be loaded or applied; nothing of the failed run was kept. */
export function migrationFailed(message: string, details: Record<string, unknown>, cause?: unknown): FirebreakError {
  return new FirebreakError('STORE_MIGRATION_FAILED', message, { details, cause });
}

/** The store object was used where only the transaction's `tx` may be, or `tx` after its end. */
export function txMisuse(message: string): FirebreakError {
  return new FirebreakError('STORE_TX_MISUSE', message);
}
