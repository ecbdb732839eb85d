/**
 * Moves an existing SQLite store into an empty PostgreSQL database (`firebreak store copy`),
 * table by table with every id kept, in one PostgreSQL transaction, then proves the copy: the
 * row count of every table and a SHA-256 of the whole timeline, read back from both sides.
 *
 * - The source is migrated to this firebreak's schema first (as `serve` would) and then read
 *   with a read-only connection; stop the firebreak that writes it before copying, or the copy
 *   misses what arrives meanwhile.
 * - The destination is migrated, must hold no notification and no incident
 *   (STORE_COPY_TARGET_NOT_EMPTY), and is written under the store's transaction lock, so a
 *   replica started too early waits instead of interleaving. A failure rolls everything back.
 * - Every SQLite table must exist in PostgreSQL with the same columns (STORE_COPY_SCHEMA_MISMATCH
 *   otherwise): nothing is dropped silently. Identity sequences continue after the copied ids.
 */
import { createHash } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { FirebreakError } from '../errors.ts';
import { storeError } from './errors.ts';
import { mapPgError } from './postgres/errors.ts';
import { LOCK_NAMESPACE, TRANSACTION_LOCK } from './postgres/locks.ts';
import { openPostgresStore, type PostgresStoreOptions } from './postgres/store.ts';
import { openSqliteStore } from './sqlite/index.ts';

export interface CopyReport {
  tables: Array<{ table: string; source: number; copied: number }>;
  timelineSha256: { source: string; copied: string };
  verified: boolean;
}

/** Tables that are bookkeeping of one backend, not records. */
const SKIPPED = new Set(['schema_migrations', 'sqlite_sequence']);
const BATCH = 500;

type Value = string | number | boolean | null;

function copyError(code: 'STORE_COPY_TARGET_NOT_EMPTY' | 'STORE_COPY_SCHEMA_MISMATCH', message: string, details: Record<string, unknown> = {}): FirebreakError {
  return storeError(code, message, { details });
}

/** Tables of the SQLite file, parents before children (foreign keys). */
function tablesInOrder(db: DatabaseSync): string[] {
  const names = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((r) => String(r.name))
    .filter((n) => !SKIPPED.has(n));
  const parents = new Map(names.map((n) => [n, db.prepare(`PRAGMA foreign_key_list("${n}")`).all().map((r) => String(r.table))]));
  const ordered: string[] = [];
  const visit = (name: string, path: Set<string>) => {
    if (ordered.includes(name) || path.has(name)) return;
    path.add(name);
    for (const parent of parents.get(name) ?? []) if (parent !== name) visit(parent, path);
    ordered.push(name);
  };
  for (const name of names) visit(name, new Set());
  return ordered;
}

/** A digest of the timeline in id order, over the fields a reader sees, identical on both backends. */
function timelineDigest(rows: Iterable<Record<string, unknown>>): string {
  const hash = createHash('sha256');
  for (const row of rows) {
    hash.update(JSON.stringify([Number(row.id), row.incident_id, row.at, row.phase, row.kind, row.actor, row.summary, row.data]));
    hash.update('\n');
  }
  return hash.digest('hex');
}

export async function copySqliteToPostgres(options: {
  from: string;
  to: PostgresStoreOptions;
  logger: Logger;
  clock: Clock;
}): Promise<CopyReport> {
  const source = await openSqliteStore({ path: options.from, logger: options.logger, clock: options.clock });
  try {
    await source.migrate();
  } finally {
    await source.close();
  }
  const target = await openPostgresStore(options.to);
  try {
    await target.migrate();
  } finally {
    await target.close();
  }

  const db = new DatabaseSync(options.from, { readOnly: true });
  const client = new pg.Client({ connectionString: options.to.url, connectionTimeoutMillis: options.to.connectTimeoutMs ?? 5_000, ...(options.to.tls === undefined || options.to.tls.mode === 'disable' ? {} : { ssl: { rejectUnauthorized: options.to.tls.mode === 'verify-full', ca: options.to.tls.ca, cert: options.to.tls.cert, key: options.to.tls.key } }) });
  // A connection the server ends mid-copy fails the statement in progress (the copy rolls back);
  // its `error` event must not crash the command.
  client.on('error', () => undefined);
  try {
    await client.connect().catch((err: unknown) => {
      throw mapPgError(err, 'connect');
    });
    const tables = tablesInOrder(db);
    const report: CopyReport = { tables: [], timelineSha256: { source: '', copied: '' }, verified: false };
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, TRANSACTION_LOCK]);
      const { rows: used } = await client.query('SELECT (SELECT COUNT(*) FROM notifications) + (SELECT COUNT(*) FROM incidents) AS n');
      if (Number(used[0]?.n) > 0) {
        throw copyError('STORE_COPY_TARGET_NOT_EMPTY', 'the PostgreSQL database already holds notifications or incidents; copy into an empty database');
      }
      for (const table of tables) report.tables.push({ table, source: await copyTable(db, client, table), copied: 0 });
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err instanceof FirebreakError ? err : mapPgError(err, 'copy');
    }
    for (const entry of report.tables) {
      const { rows } = await client.query(`SELECT COUNT(*) AS n FROM ${pg.escapeIdentifier(entry.table)}`);
      entry.copied = Number(rows[0]?.n);
    }
    report.timelineSha256.source = timelineDigest(db.prepare('SELECT * FROM timeline ORDER BY id').iterate() as Iterable<Record<string, unknown>>);
    report.timelineSha256.copied = timelineDigest((await client.query('SELECT * FROM timeline ORDER BY id')).rows);
    report.verified = report.tables.every((t) => t.source === t.copied) && report.timelineSha256.source === report.timelineSha256.copied;
    return report;
  } finally {
    db.close();
    await client.end().catch(() => undefined);
  }
}

/** Copies one table; returns the number of rows read from SQLite. */
async function copyTable(db: DatabaseSync, client: pg.Client, table: string): Promise<number> {
  const sourceColumns = db.prepare(`PRAGMA table_info("${table}")`).all().map((r) => String(r.name));
  const { rows: targetColumns } = await client.query<{ column_name: string; data_type: string; is_identity: string }>(
    'SELECT column_name, data_type, is_identity FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
    [table],
  );
  const types = new Map(targetColumns.map((c) => [c.column_name, c.data_type]));
  const missing = sourceColumns.filter((c) => !types.has(c));
  if (targetColumns.length === 0 || missing.length > 0) {
    throw copyError('STORE_COPY_SCHEMA_MISMATCH', `table ${table} of the SQLite store has no PostgreSQL counterpart${missing.length > 0 && targetColumns.length > 0 ? ` for columns ${missing.join(', ')}` : ''}; nothing was copied`, { table, missing });
  }
  const identity = targetColumns.some((c) => c.is_identity === 'YES');
  const convert = sourceColumns.map((c) => (types.get(c) === 'boolean' ? (v: unknown): Value => (v === null ? null : v === 1) : (v: unknown): Value => v as Value));
  const columnList = sourceColumns.map((c) => pg.escapeIdentifier(c)).join(', ');
  const conflict = table === 'engine_automation' ? ` ON CONFLICT (id) DO UPDATE SET ${sourceColumns.filter((c) => c !== 'id').map((c) => `${pg.escapeIdentifier(c)} = excluded.${pg.escapeIdentifier(c)}`).join(', ')}` : '';
  let count = 0;
  let batch: Value[][] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const values: Value[] = [];
    const tuples = batch.map((row) => `(${row.map((v) => { values.push(v); return `$${values.length}`; }).join(', ')})`);
    await client.query(`INSERT INTO ${pg.escapeIdentifier(table)} (${columnList}) ${identity ? 'OVERRIDING SYSTEM VALUE ' : ''}VALUES ${tuples.join(', ')}${conflict}`, values);
    batch = [];
  };
  for (const row of db.prepare(`SELECT ${sourceColumns.map((c) => `"${c}"`).join(', ')} FROM "${table}" ORDER BY rowid`).iterate()) {
    batch.push(sourceColumns.map((c, i) => convert[i]!((row as Record<string, unknown>)[c] ?? null)));
    count += 1;
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  if (identity) {
    await client.query(`SELECT setval(pg_get_serial_sequence($1, 'id'), GREATEST((SELECT MAX(id) FROM ${pg.escapeIdentifier(table)}), 1), (SELECT MAX(id) FROM ${pg.escapeIdentifier(table)}) IS NOT NULL)`, [table]);
  }
  return count;
}
