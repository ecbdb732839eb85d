/**
 * Typed readers of result columns, shared by every SQL backend. A value of the wrong type means
 * the schema and the code disagree: it fails loudly with STORE_QUERY_FAILED instead of leaking a
 * wrong type upwards.
 */
import { FirebreakError } from '../../errors.ts';
import { storeError } from '../errors.ts';

/** One result row as a driver returns it, by column name. */
export type Row = Readonly<Record<string, unknown>>;

function bad(column: string, value: unknown): FirebreakError {
  return storeError('STORE_QUERY_FAILED', `column ${column} holds an unexpected value`, {
    details: { column, type: typeof value },
  });
}

export function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw bad(column, value);
  return value;
}

export function textOrNull(row: Row, column: string): string | null {
  const value = row[column];
  if (value === null) return null;
  if (typeof value !== 'string') throw bad(column, value);
  return value;
}

export function integer(row: Row, column: string): number {
  const value = row[column];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw bad(column, value);
  return value;
}

export function json<T>(row: Row, column: string): T {
  try {
    return JSON.parse(text(row, column)) as T;
  } catch (err) {
    throw err instanceof FirebreakError ? err : bad(column, row[column]);
  }
}

/** A yes/no column: SQLite keeps 0/1, PostgreSQL a boolean. */
export function flag(row: Row, column: string): boolean {
  const value = row[column];
  if (typeof value === 'boolean') return value;
  if (value === 0 || value === 1) return value === 1;
  throw bad(column, value);
}
