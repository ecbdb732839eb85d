/**
 * A thin layer over one `DatabaseSync`: prepared statements cached by SQL text, and every
 * SQLite error mapped to a store error code at the point it happens.
 */
import type { DatabaseSync, SQLInputValue, SQLOutputValue, StatementSync } from 'node:sqlite';
import { mapSqliteError } from './sqlite-errors.ts';

export type Row = Record<string, SQLOutputValue>;

export class Statements {
  readonly db: DatabaseSync;
  readonly #cache = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.db = db;
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#cache.get(sql);
    if (statement === undefined) {
      try {
        statement = this.db.prepare(sql);
      } catch (err) {
        throw mapSqliteError(err, 'prepare');
      }
      this.#cache.set(sql, statement);
    }
    return statement;
  }

  get(operation: string, sql: string, ...params: SQLInputValue[]): Row | undefined {
    try {
      return this.#prepare(sql).get(...params);
    } catch (err) {
      throw mapSqliteError(err, operation);
    }
  }

  all(operation: string, sql: string, ...params: SQLInputValue[]): Row[] {
    try {
      return this.#prepare(sql).all(...params);
    } catch (err) {
      throw mapSqliteError(err, operation);
    }
  }

  /** Rows one at a time, for a caller that may stop early. */
  *iterate(operation: string, sql: string, ...params: SQLInputValue[]): Generator<Row> {
    let rows: Iterator<Row>;
    try {
      rows = this.#prepare(sql).iterate(...params);
    } catch (err) {
      throw mapSqliteError(err, operation);
    }
    try {
      for (;;) {
        let next: IteratorResult<Row>;
        try {
          next = rows.next();
        } catch (err) {
          throw mapSqliteError(err, operation);
        }
        if (next.done === true) return;
        yield next.value;
      }
    } finally {
      // A statement left mid-way keeps its read snapshot open: reset it when the caller stops early.
      rows.return?.();
    }
  }

  /**
   * Runs a write. Returns the raw SQLite error through `onError` first so a caller can turn a
   * specific one (a failed foreign key) into a domain error before the generic mapping.
   */
  run(
    operation: string,
    sql: string,
    params: SQLInputValue[],
    onError?: (err: unknown) => Error | undefined,
  ): { changes: number; lastInsertRowid: number } {
    try {
      const result = this.#prepare(sql).run(...params);
      return { changes: Number(result.changes), lastInsertRowid: Number(result.lastInsertRowid) };
    } catch (err) {
      throw onError?.(err) ?? mapSqliteError(err, operation);
    }
  }

  /** Runs statements without results (transaction control, pragmas, migrations). */
  exec(operation: string, sql: string): void {
    try {
      this.db.exec(sql);
    } catch (err) {
      throw mapSqliteError(err, operation);
    }
  }
}
