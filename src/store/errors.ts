/**
 * Errors every store backend raises. Codes are stable and documented in docs/errors.md
 * ("Store" section); callers match on `code`, never on messages.
 */
import { errorFactory, FirebreakError, type ErrorCatalogue } from '../errors.ts';

/** Codes a store raises. `NOT_FOUND` is shared with the HTTP layer (404). */
export const STORE_ERRORS = {
  NOT_FOUND: { status: 404 },
  STORE_UNAVAILABLE: { status: 503, retriable: true },
  STORE_FILE_ERROR: { status: 503 },
  STORE_INVALID_URL: { status: 500 },
  STORE_CLOSED: { status: 503 },
  STORE_CONSTRAINT: { status: 409 },
  STORE_INVALID_QUERY: { status: 400 },
  STORE_INVALID_VALUE: { status: 400 },
  STORE_SCHEMA_MISSING: { status: 500 },
  STORE_SCHEMA_TOO_NEW: { status: 500 },
  STORE_MIGRATION_FAILED: { status: 500 },
  STORE_TX_MISUSE: { status: 500 },
  STORE_QUERY_FAILED: { status: 500 },
  // `firebreak store copy` only: its exit, never an answer.
  STORE_COPY_TARGET_NOT_EMPTY: { status: null },
  STORE_COPY_SCHEMA_MISMATCH: { status: null },
  STORE_COPY_NOT_VERIFIED: { status: null },
} as const satisfies ErrorCatalogue;

export type StoreErrorCode = keyof typeof STORE_ERRORS;

export const storeError = errorFactory(STORE_ERRORS);

/** No record with this id (an incident, a notification, an engine run, step claim or approval). */
export function notFound(what: 'incident' | 'notification' | 'run' | 'claim' | 'approval' | 'timer', id: string | number): FirebreakError {
  return storeError('NOT_FOUND', `${what} ${id} does not exist`, {
    details: { [`${what}Id`]: id },
  });
}

/** A list query the store cannot run (limit out of range, bad cursor, bad filter). */
export function invalidQuery(message: string, details: Record<string, unknown> = {}): FirebreakError {
  return storeError('STORE_INVALID_QUERY', message, { details });
}

/** A value the store refuses to write (unparseable time, unknown status or role, non-JSON payload). */
export function invalidValue(message: string, details: Record<string, unknown> = {}): FirebreakError {
  return storeError('STORE_INVALID_VALUE', message, { details });
}

/** The store was closed; nothing more can be done with this instance. */
export function storeClosed(): FirebreakError {
  return storeError('STORE_CLOSED', 'the store is closed');
}

/** The schema was written by a newer firebreak than this one. */
export function schemaTooNew(found: number, known: number): FirebreakError {
  return storeError(
    'STORE_SCHEMA_TOO_NEW',
    `the database schema is at version ${found} but this firebreak knows migrations up to ${known}; ` +
      'run a firebreak at least as new as the one that last migrated this database',
    { details: { schemaVersion: found, knownVersion: known } },
  );
}

/** A migration could not be loaded or applied; nothing of the failed run was kept. */
export function migrationFailed(message: string, details: Record<string, unknown>, cause?: unknown): FirebreakError {
  return storeError('STORE_MIGRATION_FAILED', message, { details, cause });
}

/** The store object was used where only the transaction's `tx` may be, or `tx` after its end. */
export function txMisuse(message: string): FirebreakError {
  return storeError('STORE_TX_MISUSE', message);
}
