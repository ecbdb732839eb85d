/**
 * `firebreak serve` on a PostgreSQL store: migrates an empty database at start, acknowledges a
 * webhook only once it is committed there, processes it into an incident, is ready while the
 * database answers, and never logs the database password.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/core/logger.ts';
import { openPostgresStore } from '../../../src/store/postgres/index.ts';
import { bigNotification } from '../../unit/ingest/big-notification.ts';
import { waitFor } from '../../support/eventually.ts';
import { usePostgres } from '../../support/postgres.ts';
import { ensureStopped, startServe, type ServeProcess } from './serve-process.ts';

const WEBHOOK_TOKEN = 'pg-serve-webhook-token-0001';
const ADMIN_TOKEN = 'pg-serve-admin-token-000001';

describe('serve: PostgreSQL store', () => {
  let dir: string;
  let proc: ServeProcess | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-pg-serve-'));
  });
  afterEach(async () => {
    await ensureStopped(proc);
    proc = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('stores, acknowledges and processes a webhook in PostgreSQL, logging the URL without its password', async function () {
    this.timeout(180_000);
    const url = await (await usePostgres()).createDatabase('serve');
    proc = await startServe({
      cwd: dir,
      env: { FIREBREAK_LISTEN: '127.0.0.1:0', FIREBREAK_DATA_DIR: dir, FIREBREAK_STORE: url, FIREBREAK_WEBHOOK_TOKEN: WEBHOOK_TOKEN, FIREBREAK_API_TOKENS: `ops:admin:${ADMIN_TOKEN}` },
    });
    const listening = proc.logs.find((l) => l.msg === 'listening');
    expect(listening?.store).to.equal(url.replace(/:[^:@/]+@/, ':***@'));
    expect(proc.output().stdout).to.not.include(new URL(url).password);
    expect((await fetch(`${proc.url}/readyz`)).status).to.equal(200);

    const response = await fetch(`${proc.url}/api/v1/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
      body: JSON.stringify(bigNotification(3, { groupKey: '{}:{cluster="prod-eu1"}', prefix: 'pgserve' })),
    });
    expect(response.status).to.equal(200);
    const { notificationId } = (await response.json()) as { notificationId: number };

    // Read back through a store of our own: the notification is in the database, then processed.
    const store = await openPostgresStore({ url, logger: silentLogger() });
    try {
      expect((await store.getNotification(notificationId))?.id).to.equal(notificationId);
      await waitFor('the notification processed', async () => (await store.getNotification(notificationId))?.processedAt ?? undefined, { timeoutMs: 30_000 });
      const page = await store.listIncidents({ limit: 10 });
      expect(page.items).to.have.length(1);
      expect((await store.alertEvents(page.items[0]!.id)).map((e) => e.notificationId)).to.deep.equal([notificationId, notificationId, notificationId]);
    } finally {
      await store.close();
    }
  });
});
