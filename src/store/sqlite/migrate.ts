/**
 * Numbered schema migrations: `migrations/NNN_name.sql`, applied in version order, each once,
 * recorded in `schema_migrations`. All pending migrations run in one `BEGIN IMMEDIATE`
 * transaction: the write lock is taken before the current version is read, so two processes
 * starting together on one file cannot both apply a migration, and a failing migration leaves
 * the schema exactly as it was.
 *
 * Migration files must not contain transaction control (BEGIN/COMMIT) or pragmas that cannot
 * run inside a transaction (journal_mode, foreign_keys); connection settings live in
 * connection.ts. A released migration is never edited: add a new one.
 */
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { migrationFailed, schemaTooNew } from '../errors.ts';
import { loadMigrations as loadFrom, type Migration } from '../migration-files.ts';
import { mapSqliteError } from './sqlite-errors.ts';
import type { Statements } from './statements.ts';

export type { Migration } from '../migration-files.ts';

/** The migrations shipped next to this module. */
export const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

/** The SQLite migrations (or those of `dir`), checked as {@link loadFrom} describes. */
export function loadMigrations(dir: URL = MIGRATIONS_DIR): Migration[] {
  return loadFrom(dir);
}

const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  checksum   TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;

interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
}

function applied(sql: Statements): AppliedMigration[] {
  const exists = sql.get(
    'schemaVersion',
    "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
  );
  if (exists === undefined) return [];
  return sql
    .all('schemaVersion', 'SELECT version, name, checksum FROM schema_migrations ORDER BY version')
    .map((row) => ({ version: Number(row.version), name: String(row.name), checksum: String(row.checksum) }));
}

/** Highest applied version, 0 for an empty database. */
export function schemaVersion(sql: Statements): number {
  return applied(sql).at(-1)?.version ?? 0;
}

/** Throws STORE_SCHEMA_TOO_NEW when the database is ahead of the migrations this build knows. */
export function assertSchemaNotTooNew(sql: Statements, migrations: Migration[]): void {
  const found = schemaVersion(sql);
  if (found > migrations.length) throw schemaTooNew(found, migrations.length);
}

/**
 * Applies the pending migrations; returns the versions applied (empty when up to date). Must be
 * called with no transaction open on the connection.
 */
export function applyMigrations(sql: Statements, migrations: Migration[], clock: Clock, logger: Logger): number[] {
  sql.exec('migrate', 'BEGIN IMMEDIATE');
  try {
    sql.exec('migrate', CREATE_LEDGER);
    const done = applied(sql);
    const found = done.at(-1)?.version ?? 0;
    if (found > migrations.length) throw schemaTooNew(found, migrations.length);
    for (const record of done) {
      const shipped = migrations[record.version - 1];
      if (shipped !== undefined && shipped.checksum !== record.checksum) {
        logger.warn(
          { version: record.version, name: record.name },
          'an applied migration differs from the shipped file; released migrations must not be edited',
        );
      }
    }
    const pending = migrations.filter((m) => m.version > found);
    const appliedAt = new Date(clock.now()).toISOString();
    for (const migration of pending) {
      try {
        sql.db.exec(migration.sql);
      } catch (err) {
        const cause = mapSqliteError(err, `migration ${migration.version}`);
        throw migrationFailed(
          `migration ${migration.version}_${migration.name} failed: ${cause.message}`,
          { version: migration.version, name: migration.name },
          cause,
        );
      }
      sql.run('migrate', 'INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)', [
        migration.version,
        migration.name,
        migration.checksum,
        appliedAt,
      ]);
    }
    sql.exec('migrate', 'COMMIT');
    if (pending.length > 0) {
      logger.info({ versions: pending.map((m) => m.version), schemaVersion: migrations.length }, 'store migrated');
    }
    return pending.map((m) => m.version);
  } catch (err) {
    if (sql.db.isTransaction) sql.db.exec('ROLLBACK');
    throw err;
  }
}
