import { DatabaseSync } from 'node:sqlite';
import { expect } from 'chai';
import { FakeClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { applyMigrations, loadMigrations, schemaVersion, type Migration } from '../../../src/store/sqlite/migrate.ts';
import { Statements } from '../../../src/store/sqlite/statements.ts';

function migration(version: number, sql: string): Migration {
  return { version, name: `m${version}`, sql, checksum: `c${version}` };
}

function tables(db: DatabaseSync): string[] {
  return db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all()
    .map((row) => String(row.name));
}

function failure(fn: () => unknown): FirebreakError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(FirebreakError);
    return err as FirebreakError;
  }
  throw new Error('expected a failure');
}

describe('SQLite migrations', () => {
  let db: DatabaseSync;
  let sql: Statements;
  const clock = new FakeClock('2026-02-03T04:05:06Z');

  beforeEach(() => {
    db = new DatabaseSync(':memory:');
    sql = new Statements(db);
  });

  afterEach(() => {
    db.close();
  });

  it('ships numbered migrations starting at 001_init', () => {
    const shipped = loadMigrations();
    expect(shipped[0]?.version).to.equal(1);
    expect(shipped[0]?.name).to.equal('init');
    shipped.forEach((m, i) => expect(m.version).to.equal(i + 1));
    expect(shipped[0]?.checksum).to.match(/^[0-9a-f]{64}$/);
  });

  it('applies pending migrations in order, once, recording each with the clock time', () => {
    const list = [migration(1, 'CREATE TABLE a (x)'), migration(2, 'CREATE TABLE b (y)')];
    expect(applyMigrations(sql, list.slice(0, 1), clock, silentLogger())).to.deep.equal([1]);
    expect(applyMigrations(sql, list, clock, silentLogger())).to.deep.equal([2]);
    expect(applyMigrations(sql, list, clock, silentLogger())).to.deep.equal([]);
    expect(schemaVersion(sql)).to.equal(2);
    expect(tables(db)).to.deep.equal(['a', 'b', 'schema_migrations']);
    const rows = db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all();
    expect(rows.map((r) => ({ ...r }))).to.deep.equal([
      { version: 1, name: 'm1', applied_at: '2026-02-03T04:05:06.000Z' },
      { version: 2, name: 'm2', applied_at: '2026-02-03T04:05:06.000Z' },
    ]);
  });

  it('keeps nothing of a run in which one migration fails', () => {
    const list = [migration(1, 'CREATE TABLE a (x)'), migration(2, 'CREATE TABLE b (y); THIS IS NOT SQL')];
    const err = failure(() => applyMigrations(sql, list, clock, silentLogger()));
    expect(err.code).to.equal('STORE_MIGRATION_FAILED');
    expect(err.details).to.deep.equal({ version: 2, name: 'm2' });
    expect(tables(db)).to.deep.equal([]);
    expect(db.isTransaction).to.equal(false);
  });

  it('refuses to run an older set of migrations on a newer schema', () => {
    applyMigrations(sql, [migration(1, 'CREATE TABLE a (x)'), migration(2, 'CREATE TABLE b (y)')], clock, silentLogger());
    const err = failure(() => applyMigrations(sql, [migration(1, 'CREATE TABLE a (x)')], clock, silentLogger()));
    expect(err.code).to.equal('STORE_SCHEMA_TOO_NEW');
    expect(err.message).to.match(/version 2 .* up to 1/);
  });

  it('applies the shipped schema to an empty database', () => {
    applyMigrations(sql, loadMigrations(), clock, silentLogger());
    expect(tables(db)).to.include.members(['notifications', 'incidents', 'alert_events', 'timeline', 'incident_roles', 'action_items']);
  });

  it('fills the current alert states from the alert history of a database migrated before them', () => {
    const shipped = loadMigrations();
    const current = shipped.find((m) => m.name === 'alert_current') as Migration;
    applyMigrations(sql, shipped.slice(0, current.version - 1), clock, silentLogger());
    db.exec(`INSERT INTO incidents (id, key, title, status, labels, started_at, opened_at, opened_ms, updated_at)
             VALUES ('INC-1', 'k', 't', 'open', '{}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 0, '2026-01-01T00:00:00.000Z')`);
    const record = db.prepare(
      `INSERT INTO alert_events (incident_id, fingerprint, status, starts_at, alert, notification_id, received_at)
       VALUES ('INC-1', ?, ?, ?, ?, 1, '2026-01-01T00:00:00.000Z')`,
    );
    const event = (fingerprint: string, status: string, startsAt: string, endsAt: string | null) =>
      record.run(fingerprint, status, startsAt, JSON.stringify({ fingerprint, status, startsAt, endsAt }));
    event('a', 'firing', '2026-01-01T00:00:00.000Z', null);
    event('a', 'resolved', '2026-01-01T00:00:00.000Z', '2026-01-01T00:10:00.000Z');
    event('b', 'resolved', '2026-01-01T01:00:00.000Z', '2026-01-01T01:10:00.000Z');
    event('b', 'firing', '2026-01-01T02:00:00.000Z', null);
    event('b', 'firing', '2026-01-01T00:30:00.000Z', null);
    applyMigrations(sql, shipped, clock, silentLogger());
    const rows = db.prepare('SELECT fingerprint, status, starts_ms, ends_at, ends_ms FROM alert_current ORDER BY fingerprint').all();
    expect(rows.map((r) => ({ ...r }))).to.deep.equal([
      { fingerprint: 'a', status: 'resolved', starts_ms: Date.parse('2026-01-01T00:00:00.000Z'), ends_at: '2026-01-01T00:10:00.000Z', ends_ms: Date.parse('2026-01-01T00:10:00.000Z') },
      { fingerprint: 'b', status: 'firing', starts_ms: Date.parse('2026-01-01T02:00:00.000Z'), ends_at: null, ends_ms: null },
    ]);
  });
});
