/**
 * Numbered schema migrations for PostgreSQL: `migrations/NNN_name.sql` (see migration-files.ts),
 * applied in version order, each once, recorded in `schema_migrations`.
 *
 * Replicas start together, so the whole migration is one transaction that first takes a
 * transaction-scoped advisory lock ({@link MIGRATION_LOCK}): the second replica waits for the
 * first to commit, then finds nothing left to do. DDL is transactional in PostgreSQL, so a
 * failing migration leaves the schema exactly as it was. A schema newer than this build's
 * migrations is refused with STORE_SCHEMA_TOO_NEW before anything is applied.
 *
 * Migration files must not contain transaction control (BEGIN/COMMIT) or statements that cannot
 * run in a transaction (CREATE INDEX CONCURRENTLY, VACUUM).
 */
import type pg from 'pg';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { migrationFailed, schemaTooNew } from '../errors.ts';
import { loadMigrations as loadFrom, type Migration } from '../migration-files.ts';
import { mapPgError } from './errors.ts';
import { LOCK_NAMESPACE, MIGRATION_LOCK } from './locks.ts';

/** The PostgreSQL migrations shipped next to this module. */
export const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

export function loadMigrations(dir: URL = MIGRATIONS_DIR): Migration[] {
  return loadFrom(dir);
}

const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at text NOT NULL
)`;

interface Applied {
  version: number;
  name: string;
  checksum: string;
}

async function applied(client: pg.PoolClient): Promise<Applied[]> {
  const exists = await client.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS found");
  if (exists.rows[0]?.found !== true) return [];
  const { rows } = await client.query('SELECT version, name, checksum FROM schema_migrations ORDER BY version');
  return rows.map((row: Record<string, unknown>) => ({ version: Number(row.version), name: String(row.name), checksum: String(row.checksum) }));
}

/** Highest applied version, 0 for an empty database. */
export async function schemaVersion(client: pg.PoolClient): Promise<number> {
  try {
    return (await applied(client)).at(-1)?.version ?? 0;
  } catch (err) {
    throw mapPgError(err, 'schemaVersion');
  }
}

/** Throws STORE_SCHEMA_TOO_NEW when the database is ahead of the migrations this build knows. */
export async function assertSchemaNotTooNew(client: pg.PoolClient, migrations: Migration[]): Promise<void> {
  const found = await schemaVersion(client);
  if (found > migrations.length) throw schemaTooNew(found, migrations.length);
}

/** Applies the pending migrations under the advisory lock; returns the versions applied. */
export async function applyMigrations(client: pg.PoolClient, migrations: Migration[], clock: Clock, logger: Logger): Promise<number[]> {
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, MIGRATION_LOCK]);
    await client.query(CREATE_LEDGER);
    const done = await applied(client);
    const found = done.at(-1)?.version ?? 0;
    if (found > migrations.length) throw schemaTooNew(found, migrations.length);
    for (const record of done) {
      const shipped = migrations[record.version - 1];
      if (shipped !== undefined && shipped.checksum !== record.checksum) {
        logger.warn({ version: record.version, name: record.name }, 'an applied migration differs from the shipped file; released migrations must not be edited');
      }
    }
    const pending = migrations.filter((m) => m.version > found);
    const appliedAt = new Date(clock.now()).toISOString();
    for (const migration of pending) {
      try {
        await client.query(migration.sql);
      } catch (err) {
        const cause = mapPgError(err, `migration ${migration.version}`);
        throw migrationFailed(`migration ${migration.version}_${migration.name} failed: ${cause.message}`, { version: migration.version, name: migration.name }, cause);
      }
      await client.query('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)', [
        migration.version,
        migration.name,
        migration.checksum,
        appliedAt,
      ]);
    }
    await client.query('COMMIT');
    if (pending.length > 0) logger.info({ versions: pending.map((m) => m.version), schemaVersion: migrations.length }, 'store migrated');
    return pending.map((m) => m.version);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw mapPgError(err, 'migrate');
  }
}
