/**
 * The real `serve` process while its PostgreSQL goes away and comes back: webhooks get 503
 * WEBHOOK_NOT_STORED (Alertmanager retries them) and /readyz fails while the database is down;
 * once it is back, without a restart, webhooks are acknowledged again and every notification
 * acknowledged before, during or after the outage is processed.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type PostgresServer } from '../../../scripts/postgres/cluster.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { openPostgresStore } from '../../../src/store/postgres/index.ts';
import { bigNotification } from '../../unit/ingest/big-notification.ts';
import { waitFor } from '../../support/eventually.ts';
import { ensureStopped, startServe, type ServeProcess } from '../serve/serve-process.ts';

const WEBHOOK_TOKEN = 'pg-outage-webhook-token-0001';

describe('serve: PostgreSQL stopped and started again', function () {
  this.timeout(180_000);
  let dir: string;
  let pgDir: string;
  let server: PostgresServer;
  let proc: ServeProcess | undefined;

  before(async function () {
    this.timeout(180_000);
    dir = await mkdtemp(join(tmpdir(), 'firebreak-pg-outage-'));
    // A server of its own, since this test stops it; in a directory of its own under the temp
    // directory, which the unprivileged account PostgreSQL runs as (when tests run as root) can reach.
    pgDir = await mkdtemp(join(tmpdir(), 'firebreak-pg-outage-server-'));
    server = await startPostgres({ dir: pgDir, startTimeoutMs: 120_000 });
  });
  after(async () => {
    await ensureStopped(proc);
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
    await rm(pgDir, { recursive: true, force: true });
  });

  async function post(url: string, n: number): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${url}/api/v1/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
      body: JSON.stringify(bigNotification(2, { groupKey: `{}:{outage="${n}"}`, prefix: `out${n}x` })),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('answers 503 and is not ready while the database is down, and recovers by itself when it is back', async () => {
    const url = await server.createDatabase('outage');
    proc = await startServe({
      cwd: dir,
      env: {
        FIREBREAK_LISTEN: '127.0.0.1:0',
        FIREBREAK_DATA_DIR: join(dir, 'data'),
        FIREBREAK_STORE: url,
        FIREBREAK_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
        FIREBREAK_API_TOKENS: 'ops:admin:pg-outage-admin-token-00001',
      },
    });
    const serve = proc;
    const acked: number[] = [];
    const before = await post(serve.url, 0);
    expect(before.status).to.equal(200);
    acked.push(before.body.notificationId as number);

    await server.stop();
    const during = await post(serve.url, 1).catch((err: unknown) => {
      throw new Error(`serve did not answer: ${String(err)}\n${serve.output().stdout.slice(-3000)}\n${serve.output().stderr}`);
    });
    expect(during.status).to.equal(503);
    expect(during.body).to.include({ code: 'WEBHOOK_NOT_STORED', statusCode: 503 });
    expect((await fetch(`${serve.url}/readyz`)).status).to.equal(503);
    expect((await fetch(`${serve.url}/healthz`)).status).to.equal(200);

    await server.start();
    await waitFor('ready again', async () => ((await fetch(`${serve.url}/readyz`)).status === 200 ? true : undefined), { timeoutMs: 30_000 });
    // Alertmanager's retry of the refused notification, and a new one.
    for (const n of [1, 2]) {
      const again = await post(serve.url, n);
      expect(again.status).to.equal(200);
      acked.push(again.body.notificationId as number);
    }

    const store = await openPostgresStore({ url, logger: silentLogger() });
    try {
      await waitFor(
        'every acknowledged notification processed',
        async () => {
          const states = await Promise.all(acked.map((id) => store.getNotification(id)));
          return states.every((n) => n?.processedAt != null) ? true : undefined;
        },
        { timeoutMs: 60_000 },
      );
      expect((await store.listIncidents({ limit: 10 })).items).to.have.length(3);
    } finally {
      await store.close();
    }
    serve.kill('SIGTERM');
    expect((await serve.exited).code).to.equal(0);
  });
});
