/**
 * `firebreak store copy`: the real CLI moves a SQLite store with every kind of record into an
 * empty PostgreSQL database, ids kept, verified by counts and the timeline checksum; the copy
 * reads back identical through the store interface and keeps handing out larger ids.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { expect } from 'chai';
import { silentLogger } from '../../../src/core/logger.ts';
import { openPostgresStore } from '../../../src/store/postgres/index.ts';
import { openSqliteStore } from '../../../src/store/sqlite/index.ts';
import type { Store } from '../../../src/store/types.ts';
import { usePostgres, type TestPostgres } from '../../support/postgres.ts';
import { FIREBREAK_BIN } from '../serve/serve-process.ts';
import { alert, entry, newIncident, webhookBody } from './contract-fixtures.ts';

function firebreak(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(FIREBREAK_BIN, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A SQLite store with every kind of record in it. */
async function fill(store: Store): Promise<{ incidentId: string }> {
  const processed = await store.appendNotification(webhookBody(), '2026-01-01T00:00:00.000Z');
  await store.appendNotification(webhookBody(), '2026-01-01T00:00:01.000Z');
  const incident = await store.createIncident(newIncident());
  await store.transaction(async (tx) => {
    await tx.recordAlertEvent({ incidentId: incident.id, alert: alert(), notificationId: processed.id, receivedAt: processed.receivedAt });
    for (let i = 0; i < 700; i++) await tx.appendTimeline(entry(incident.id, { summary: `entry ${i} ✓`, data: { i, nested: { ok: true } } }));
    await tx.markNotificationProcessed(processed.id, '2026-01-01T00:00:02.000Z');
  });
  await store.assignRole(incident.id, { role: 'commander', person: 'alice', assignedAt: '2026-01-01T00:00:03.000Z', assignedBy: 'alice' });
  await store.addActionItem({ incidentId: incident.id, title: 'Add disk', owner: null, dueDate: null, createdAt: '2026-01-01T00:00:04.000Z', createdBy: 'alice' });
  const run = await store.createRun({ incidentId: incident.id, runbook: 'lag', groupKey: incident.key, trigger: 'firing', alert: alert(), episode: 'fp@1', notificationId: processed.id, requestedAt: '2026-01-01T00:00:05.000Z' });
  await store.updateRun(run.id, { status: 'succeeded', acted: true, steps: { throttle: { status: 'succeeded', output: null } } });
  const release = { mode: 'gradual' as const, condition: null, forMs: 60_000, intervalMs: 10_000, factor: 2, steps: 4, maxDurationMs: null, onMaxDuration: 'escalate' as const };
  const claim = await store.claimStep({ incidentId: incident.id, runbook: 'lag', groupKey: incident.key, stepId: 'throttle', trigger: 'firing', episode: 'fp@1', runId: run.id, action: 'kafka.setClientQuota', mutating: true, revert: 'on-resolve', release, params: { a: 1 }, plan: null, claimedAt: '2026-01-01T00:00:06.000Z' });
  await store.finishStep(claim!.id, { status: 'succeeded', finishedAt: '2026-01-01T00:00:07.000Z', output: { set: 1 }, prior: { q: null }, applied: { q: 1 }, error: null });
  await store.setReleaseState(claim!.id, { current: { level: { q: 2 }, index: 1 }, pending: null, held: { level: null, index: 0 }, tooEarly: 0, hold: null });
  await store.scheduleTimer({ kind: 'release', key: 'release:copy', incidentId: incident.id, claimId: claim!.id, dueAt: '2026-01-01T00:01:00.000Z', state: { heldSince: null }, createdAt: '2026-01-01T00:00:07.000Z' });
  await store.requestApproval({ incidentId: incident.id, runId: run.id, runbook: 'lag', stepId: 'cut', action: 'kafka.cutRetention', params: {}, plan: null, requestedAt: '2026-01-01T00:00:08.000Z', expiresAt: '2026-01-01T01:00:08.000Z' });
  await store.setAutomation({ paused: true, changedBy: 'alice', changedAt: '2026-01-01T00:00:09.000Z', reason: 'maintenance' });
  await store.markFollowUpsAdded(incident.id, 'lag');
  await store.createSession({ idHash: 'h'.repeat(64), operator: 'alice', role: 'admin', tokenHash: 't'.repeat(64), createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2999-01-01T00:00:00.000Z' });
  return { incidentId: incident.id };
}

describe('store copy: SQLite to PostgreSQL', function () {
  this.timeout(120_000);
  let postgres: TestPostgres;
  let dir: string;

  before(async function () {
    this.timeout(180_000);
    postgres = await usePostgres();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-copy-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('copies every record with its id, verifies counts and the timeline checksum, and the copy reads back the same', async () => {
    const file = join(dir, 'firebreak.db');
    const source = await openSqliteStore({ path: file, logger: silentLogger() });
    await source.migrate();
    const { incidentId } = await fill(source);
    const expected = {
      incident: await source.getIncident(incidentId),
      timeline: await source.timeline(incidentId),
      events: await source.alertEvents(incidentId),
      roles: await source.roles(incidentId),
      items: await source.actionItems(incidentId),
      runs: await source.runs({ incidentId }),
      claims: await source.stepClaims({ incidentId }),
      approvals: await source.approvals({ incidentId }),
      automation: await source.automation(),
      pending: await source.unprocessedNotifications(10),
      counts: await source.engineCounts(),
    };
    await source.close();

    const url = await postgres.createDatabase('copy');
    const result = await firebreak(['store', 'copy', '--from', file, '--to', url]);
    expect(result.stderr).to.match(/counts and timeline checksum match/);
    expect(result.code).to.equal(0);
    const report = JSON.parse(result.stdout) as { verified: boolean; tables: Array<{ table: string; source: number; copied: number }>; timelineSha256: { source: string; copied: string } };
    expect(report.verified).to.equal(true);
    expect(report.tables.find((t) => t.table === 'timeline')).to.deep.equal({ table: 'timeline', source: 700, copied: 700 });
    expect(report.timelineSha256.copied).to.equal(report.timelineSha256.source);

    const copy = await openPostgresStore({ url, logger: silentLogger() });
    try {
      expect({
        incident: await copy.getIncident(incidentId),
        timeline: await copy.timeline(incidentId),
        events: await copy.alertEvents(incidentId),
        roles: await copy.roles(incidentId),
        items: await copy.actionItems(incidentId),
        runs: await copy.runs({ incidentId }),
        claims: await copy.stepClaims({ incidentId }),
        approvals: await copy.approvals({ incidentId }),
        automation: await copy.automation(),
        pending: await copy.unprocessedNotifications(10),
        counts: await copy.engineCounts(),
      }).to.deep.equal(expected);
      expect((await copy.session('h'.repeat(64), '2026-01-01T00:00:00.000Z'))?.operator).to.equal('alice');
      // New records continue after the copied ids.
      const next = await copy.appendTimeline(entry(incidentId));
      expect(next.id).to.be.greaterThan(expected.timeline.at(-1)!.id);
      expect((await copy.appendNotification(webhookBody(), '2026-01-02T00:00:00.000Z')).id).to.be.greaterThan(expected.pending.at(-1)!.id);
    } finally {
      await copy.close();
    }

    // A second copy into the now used database is refused, changing nothing.
    const again = await firebreak(['store', 'copy', '--from', file, '--to', url]);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.match(/^error STORE_COPY_TARGET_NOT_EMPTY: /m);
  });

  it('refuses a SQLite table PostgreSQL does not have, copying nothing', async () => {
    const file = join(dir, 'firebreak.db');
    const source = await openSqliteStore({ path: file, logger: silentLogger() });
    await source.migrate();
    await fill(source);
    await source.close();
    const raw = new DatabaseSync(file);
    raw.exec("CREATE TABLE from_the_future (id INTEGER PRIMARY KEY, note TEXT); INSERT INTO from_the_future (note) VALUES ('x')");
    raw.close();
    const url = await postgres.createDatabase('copy_mismatch');
    const result = await firebreak(['store', 'copy', '--from', file, '--to', url]);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/^error STORE_COPY_SCHEMA_MISMATCH: table from_the_future of the SQLite store has no PostgreSQL counterpart/m);
    const copy = await openPostgresStore({ url, logger: silentLogger() });
    try {
      expect((await copy.listIncidents({ limit: 10 })).items).to.deep.equal([]);
      expect(await copy.unprocessedNotifications(10)).to.deep.equal([]);
    } finally {
      await copy.close();
    }
  });
});
