/**
 * The one way the PostgreSQL backend talks to the database: a query runner over a pool or one
 * checked-out client, that maps every error to a store code where it happens (errors.ts).
 */
import type pg from 'pg';
import type { Row } from '../rows/columns.ts';
import { mapPgError } from './errors.ts';

export interface Result {
  rows: Row[];
  rowCount: number;
}

/** Runs one statement; `onError` may turn a specific server error into a domain error first. */
export interface Sql {
  query(operation: string, text: string, values?: readonly unknown[], onError?: (err: unknown) => Error | undefined): Promise<Result>;
}

export function sqlOn(target: pg.Pool | pg.PoolClient): Sql {
  return {
    async query(operation, text, values = [], onError) {
      try {
        const result = await target.query({ text, values: [...values] });
        return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 };
      } catch (err) {
        throw onError?.(err) ?? mapPgError(err, operation);
      }
    },
  };
}

/** `WHERE a = $1 AND b = ANY($2)` from optional filters, numbering parameters from `start`. */
export function where(filters: Array<[string, unknown]>, start = 1): { sql: string; values: unknown[] } {
  const parts: string[] = [];
  const values: unknown[] = [];
  for (const [column, value] of filters) {
    if (value === undefined) continue;
    values.push(value);
    parts.push(Array.isArray(value) ? `${column} = ANY($${start + values.length - 1})` : `${column} = $${start + values.length - 1}`);
  }
  return { sql: parts.length === 0 ? '' : `WHERE ${parts.join(' AND ')}`, values };
}
