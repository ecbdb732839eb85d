/**
 * SIGTERM on the real `serve` process: it stops accepting connections, finishes the request in
 * flight (a webhook whose body is still arriving), processes what it acknowledged, closes the
 * store and exits 0.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../src/core/logger.ts';
import { openSqliteStore } from '../../../src/store/sqlite/index.ts';
import { bigNotification } from '../../unit/ingest/big-notification.ts';
import { ensureStopped, startServe, type ServeProcess } from './serve-process.ts';

const WEBHOOK_TOKEN = 'shutdown-webhook-token-00001';

describe('serve: graceful shutdown', () => {
  let dir: string;
  let proc: ServeProcess | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-shutdown-'));
  });
  afterEach(async () => {
    await ensureStopped(proc);
    proc = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('finishes the request in flight and its processing after SIGTERM, then exits 0', async function () {
    this.timeout(120_000);
    proc = await startServe({
      cwd: dir,
      env: { FIREBREAK_LISTEN: '127.0.0.1:0', FIREBREAK_DATA_DIR: dir, FIREBREAK_WEBHOOK_TOKEN: WEBHOOK_TOKEN },
    });
    const running = proc;
    const body = Buffer.from(JSON.stringify(bigNotification(500, { prefix: 'gs' })));
    const half = Math.floor(body.length / 2);

    // A webhook request whose body is only half sent when the signal arrives.
    const url = new URL(`${running.url}/api/v1/alerts`);
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: `Bearer ${WEBHOOK_TOKEN}` } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.write(body.subarray(0, half), () => {
        running.kill('SIGTERM');
        running
          .waitForLog((l) => l.msg === 'shutting down: no new requests; finishing in-flight requests and processing')
          .then(async () => {
            // New connections are refused from now on...
            const refused = await fetch(`${running.url}/healthz`).then(
              () => false,
              () => true,
            );
            expect(refused, 'a new connection after SIGTERM').to.equal(true);
            // ...while the request in flight completes.
            req.end(body.subarray(half));
          })
          .catch(reject);
      });
    });

    const answer = await response;
    expect(answer.status, answer.text).to.equal(200);
    const { notificationId } = JSON.parse(answer.text) as { notificationId: number };
    const exit = await running.exited;
    expect(exit).to.deep.equal({ code: 0, signal: null });
    expect(running.logs.map((l) => l.msg)).to.include.members(['signal received', 'processing stopped', 'stopped']);

    const store = await openSqliteStore({ path: join(dir, 'firebreak.db'), logger: silentLogger() });
    try {
      const stored = await store.getNotification(notificationId);
      expect(stored?.processedAt, 'processed before exit').to.be.a('string');
      expect((await store.listIncidents({ limit: 5 })).items).to.have.length(1);
    } finally {
      await store.close();
    }
  });

  it('exits 0 on SIGINT when idle', async () => {
    proc = await startServe({ cwd: dir, env: { FIREBREAK_LISTEN: '127.0.0.1:0', FIREBREAK_DATA_DIR: dir, FIREBREAK_WEBHOOK_TOKEN: WEBHOOK_TOKEN } });
    proc.kill('SIGINT');
    expect(await proc.exited).to.deep.equal({ code: 0, signal: null });
  });
});
