/**
 * Schema version 3 rebuilds the engine's tables (new run statuses, claim columns) on a database
 * that already holds runs, claims and approvals: every row survives with its id, the claims learn
 * their incident group from their run, and the foreign keys still hold.
 */
import { DatabaseSync } from 'node:sqlite';
import { expect } from 'chai';
import { FakeClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { applyMigrations, loadMigrations } from '../../../src/store/sqlite/migrate.ts';
import { Statements } from '../../../src/store/sqlite/statements.ts';

describe('SQLite migration 3: releases', () => {
  it('keeps every run, claim and approval of a version 2 database, filling in the group of each claim', () => {
    const db = new DatabaseSync(':memory:', { enableForeignKeyConstraints: true });
    try {
      const sql = new Statements(db);
      const shipped = loadMigrations();
      const release = shipped.findIndex((m) => m.name === 'release');
      expect(release).to.be.greaterThan(0);
      applyMigrations(sql, shipped.slice(0, release), new FakeClock('2026-01-01T00:00:00Z'), silentLogger());
      db.exec(`
        INSERT INTO incidents (id, key, title, severity, cluster, status, runbook, labels, started_at, opened_at, opened_ms, updated_at)
          VALUES ('INC-1', 'lag{group="billing"}', 'Lag', 'critical', 'main', 'contained', 'lag', '{}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:01Z', 1000, '2026-01-01T00:00:01Z');
        INSERT INTO engine_runs (id, incident_id, runbook, group_key, trigger, alert, episode, notification_id, status, requested_at, steps)
          VALUES (7, 'INC-1', 'lag', 'lag{group="billing"}', 'firing', '{}', 'fp@t', 1, 'succeeded', '2026-01-01T00:00:01Z', '{}');
        INSERT INTO engine_step_claims (id, incident_id, runbook, step_id, trigger, episode, run_id, action, mutating, revert, params, plan, claimed_at, status, revert_status)
          VALUES (11, 'INC-1', 'lag', 'throttle', 'firing', 'fp@t', 7, 'kafka.setClientQuota', 1, 'on-resolve', '{}', 'null', '2026-01-01T00:00:02Z', 'succeeded', 'failed');
        INSERT INTO engine_approvals (id, incident_id, run_id, runbook, step_id, action, params, plan, state, requested_at, expires_at, expires_ms)
          VALUES (3, 'INC-1', 7, 'lag', 'throttle', 'kafka.setClientQuota', '{}', 'null', 'granted', '2026-01-01T00:00:01Z', '2026-01-01T01:00:01Z', 3601000);
      `);
      applyMigrations(sql, shipped, new FakeClock('2026-01-02T00:00:00Z'), silentLogger());
      expect({ ...db.prepare('SELECT id, status, group_key FROM engine_runs').get() }).to.deep.equal({ id: 7, status: 'succeeded', group_key: 'lag{group="billing"}' });
      expect({ ...db.prepare('SELECT id, run_id, group_key, revert_status, release, release_state FROM engine_step_claims').get() }).to.deep.equal({
        id: 11,
        run_id: 7,
        group_key: 'lag{group="billing"}',
        revert_status: 'failed',
        release: 'null',
        release_state: 'null',
      });
      expect({ ...db.prepare('SELECT id, run_id, state FROM engine_approvals').get() }).to.deep.equal({ id: 3, run_id: 7, state: 'granted' });
      expect(db.prepare('PRAGMA foreign_key_check').all()).to.deep.equal([]);
      // The references between the rebuilt tables point at their final names.
      const claimsSql = String(db.prepare("SELECT sql FROM sqlite_master WHERE name = 'engine_step_claims'").get()?.sql);
      expect(claimsSql).to.contain('REFERENCES "engine_runs"');
      expect(() => db.exec("UPDATE engine_runs SET status = 'waiting-release' WHERE id = 7")).to.not.throw();
      expect(() => db.exec("INSERT INTO engine_step_claims (incident_id, runbook, group_key, step_id, trigger, episode, run_id, action, mutating, revert, params, plan, claimed_at, status) VALUES ('INC-1', 'lag', 'k', 's', 'firing', 'e', 99, 'a', 1, 'never', '{}', 'null', 't', 'running')")).to.throw(/FOREIGN KEY/);
    } finally {
      db.close();
    }
  });
});
