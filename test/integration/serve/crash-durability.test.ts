/**
 * Durability of the acknowledgement: the real `serve` process is SIGKILLed while notifications
 * are being posted, restarted on the same data directory, and every notification that got a 2xx
 * before the kill is in the store and processed after the restart (imported from the inbox journal
 * and replayed from the store).
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/core/logger.ts';
import { openSqliteStore } from '../../../src/store/sqlite/index.ts';
import { bigNotification } from '../../unit/ingest/big-notification.ts';
import { waitFor } from '../../support/eventually.ts';
import { ensureStopped, startServe, type ServeProcess } from './serve-process.ts';

const WEBHOOK_TOKEN = 'durability-webhook-token-0001';
const ADMIN_TOKEN = 'durability-admin-token-00001';
/** Alerts per notification: enough that processing lags behind the acknowledgements. */
const ALERTS = 600;
const POSTERS = 6;
const ACKS_BEFORE_KILL = 16;

describe('serve: crash durability', () => {
  let dir: string;
  let proc: ServeProcess | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-crash-'));
  });
  afterEach(async () => {
    await ensureStopped(proc);
    proc = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const env = () => ({
    FIREBREAK_LISTEN: '127.0.0.1:0',
    FIREBREAK_DATA_DIR: dir,
    FIREBREAK_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
    FIREBREAK_API_TOKENS: `ops:admin:${ADMIN_TOKEN}`,
  });

  it('keeps every acknowledged notification across a SIGKILL and processes it after the restart', async function () {
    this.timeout(240_000);
    proc = await startServe({ cwd: dir, env: env() });
    const first = proc;
    const acked = new Map<number, string>();
    let stop = false;
    let sequence = 0;

    async function poster(): Promise<void> {
      while (!stop) {
        const n = sequence++;
        const groupKey = `{}:{run="crash", n="${n}"}`;
        const body = JSON.stringify(bigNotification(ALERTS, { groupKey, prefix: `c${n.toString(16)}x` }));
        try {
          const response = await fetch(`${first.url}/api/v1/alerts`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
            body,
          });
          if (response.ok) {
            acked.set(((await response.json()) as { notificationId: number }).notificationId, groupKey);
            // Killed right after an acknowledgement, so its processing (long for 600 alerts) is cut.
            if (acked.size === ACKS_BEFORE_KILL) first.kill('SIGKILL');
          } else {
            await response.body?.cancel();
          }
        } catch {
          // The process died under this request: it was never acknowledged.
          return;
        }
      }
    }

    const posting = Array.from({ length: POSTERS }, () => poster());
    // Bounded: if the acknowledgements never come, the process is killed anyway and the test fails below.
    const guard = setTimeout(() => first.kill('SIGKILL'), 120_000);
    const exit = await first.exited;
    clearTimeout(guard);
    stop = true;
    await Promise.all(posting);
    expect(exit.signal).to.equal('SIGKILL');
    expect(acked.size).to.be.at.least(ACKS_BEFORE_KILL);
    const processedBeforeKill = new Set(first.logs.filter((l) => l.msg === 'notification processed').map((l) => l.notificationId));

    proc = await startServe({ cwd: dir, env: env() });
    const second = proc;
    // Every acknowledged notification's group shows up as an incident through the API.
    await waitFor(
      'an incident for every acknowledged notification',
      async () => {
        const response = await fetch(`${second.url}/api/v1/incidents?limit=500`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        const keys = new Set(((await response.json()) as { items: Array<{ key: string }> }).items.map((i) => i.key));
        return [...acked.values()].every((k) => keys.has(k)) ? true : undefined;
      },
      { timeoutMs: 120_000 },
    );
    // What the first process acknowledged was in its inbox journal; the second imported it at start.
    expect(second.logs.some((l) => l.msg === 'inbox journal: notifications acknowledged before the last stop imported into the store')).to.equal(true);
    const replayed = second.logs.filter((l) => l.msg === 'notification processed' && acked.has(Number(l.notificationId)));
    expect(replayed.length, 'notifications acknowledged before the kill and processed after the restart').to.be.greaterThan(0);
    for (const line of replayed) expect(processedBeforeKill.has(line.notificationId)).to.equal(false);

    second.kill('SIGTERM');
    expect((await second.exited).code).to.equal(0);
    const store = await openSqliteStore({ path: join(dir, 'firebreak.db'), logger: silentLogger() });
    try {
      for (const [id, groupKey] of acked) {
        const stored = await store.getNotification(id);
        expect(stored, `notification ${id}`).not.to.equal(null);
        expect((stored!.payload as { groupKey: string }).groupKey).to.equal(groupKey);
        expect(stored!.processedAt, `notification ${id} processed`).to.be.a('string');
        expect(stored!.error).to.equal(null);
      }
      expect(await store.unprocessedNotifications(10)).to.deep.equal([]);
    } finally {
      await store.close();
    }
  });
});
