/**
 * The real `serve` process SIGKILLed in the middle of a run. Deterministic without sleeps: the
 * process is pointed at a "broker" that accepts connections and never answers, so the run's first
 * step (a cluster read) is claimed and hangs for as long as the test wants; the test kills the
 * process once that broker sees the connection. After a restart on the real cluster, the run is
 * marked interrupted (the step and the rest of the run are not executed again) and the run the
 * process had queued behind it (the resolved notification) runs.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { waitFor } from '../../support/eventually.ts';
import { createKafkaAdmin } from '../../../src/actions/kafka/client.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { quotaOf } from '../actions/harness.ts';
import { ensureStopped, startServe, type ServeProcess } from '../serve/serve-process.ts';
import { uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { ENGINE_RUNBOOKS, engineAlert } from './engine-app.ts';

const WEBHOOK_TOKEN = 'interrupted-webhook-token-0001';
const ADMIN_TOKEN = 'interrupted-admin-token-00001';

/** A TCP server that accepts connections and never answers: a broker that hangs. */
async function silentBroker(): Promise<{ port: number; connected: Promise<void>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let onConnect!: () => void;
  const connected = new Promise<void>((resolve) => (onConnect = resolve));
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onConnect();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    connected,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('engine: a run interrupted by SIGKILL', function () {
  this.timeout(180_000);
  let kafka: Cluster;
  let dir: string;
  let proc: ServeProcess | undefined;
  let broker: Awaited<ReturnType<typeof silentBroker>> | undefined;

  before(async function () {
    this.timeout(240_000);
    kafka = await useKafka();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-interrupted-'));
  });
  afterEach(async () => {
    await ensureStopped(proc);
    proc = undefined;
    await broker?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const env = (brokers: string) => ({
    FIREBREAK_LISTEN: '127.0.0.1:0',
    FIREBREAK_DATA_DIR: dir,
    FIREBREAK_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
    FIREBREAK_API_TOKENS: `ops:admin:${ADMIN_TOKEN}`,
    FIREBREAK_MODE: 'enforce',
    FIREBREAK_RUNBOOKS: ENGINE_RUNBOOKS,
    FIREBREAK_KAFKA_BROKERS: brokers,
  });

  async function post(url: string, body: unknown): Promise<void> {
    const response = await fetch(`${url}/api/v1/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
      body: JSON.stringify(body),
    });
    expect(response.status).to.equal(200);
    await response.body?.cancel();
  }

  async function timeline(url: string, id: string): Promise<Array<{ kind: string; data: Record<string, unknown> }>> {
    const response = await fetch(`${url}/api/v1/incidents/${id}/timeline?limit=500`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    return ((await response.json()) as { items: Array<{ kind: string; data: Record<string, unknown> }> }).items;
  }

  it('marks the run interrupted after a restart, never re-executes its step, and runs the queued one', async () => {
    broker = await silentBroker();
    proc = await startServe({ cwd: dir, env: env(`127.0.0.1:${broker.port}`) });
    const first = proc;
    const client = uniqueName('producer');
    // serve connects at start: the silent broker has its connection before any step runs.
    await Promise.race([broker.connected, first.exited.then(() => Promise.reject(new Error('serve exited early')))]);
    await post(first.url, engineAlert('EngineTestSlow', client, 'firing'));
    const key = `engine-slow-evidence{client="${client}"}`;
    const id = await waitFor(
      'the incident',
      async () => {
        const response = await fetch(`${first.url}/api/v1/incidents?limit=500`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        return ((await response.json()) as { items: Array<{ id: string; key: string }> }).items.find((i) => i.key === key)?.id;
      },
      { timeoutMs: 10_000 },
    );
    // The step is claimed and waits on the silent broker: the moment to die.
    await waitFor('the step to start', async () => ((await timeline(first.url, id)).some((e) => e.kind === 'step.started') ? true : undefined), { timeoutMs: 10_000 });
    // The alert resolves meanwhile: its run is queued behind the one in progress.
    await post(first.url, engineAlert('EngineTestSlow', client, 'resolved'));
    await waitFor('the resolution to be recorded', async () => ((await timeline(first.url, id)).some((e) => e.kind === 'alert.resolved') ? true : undefined), {
      timeoutMs: 10_000,
    });
    expect((await timeline(first.url, id)).filter((e) => e.kind === 'step.started').map((e) => e.data.stepId)).to.deep.equal(['cluster']);
    first.kill('SIGKILL');
    expect((await first.exited).signal).to.equal('SIGKILL');

    proc = await startServe({ cwd: dir, env: env(kafka.bootstrapServers) });
    const second = proc;
    const entries = await waitFor(
      'the queued run to recover the incident',
      async () => {
        const items = await timeline(second.url, id);
        return items.some((e) => e.kind === 'incident.status' && e.data.to === 'recovered') ? items : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const interrupted = entries.filter((e) => e.kind === 'run.interrupted');
    expect(interrupted).to.have.length(1);
    expect(interrupted[0]!.data).to.deep.include({ stepId: 'cluster', action: 'kafka.describeCluster', mutating: false });
    // The interrupted step ran once (before the kill), the change after it never.
    expect(entries.filter((e) => e.kind === 'step.started').map((e) => e.data.stepId)).to.deep.equal(['cluster', 'verify']);
    expect(entries.filter((e) => e.kind === 'run.finished').map((e) => e.data.outcome)).to.deep.equal(['succeeded']);
    const admin = createKafkaAdmin({ brokers: kafka.bootstrapServers.split(','), clientId: 'firebreak-test-reader' }, { logger: silentLogger() });
    try {
      expect(await quotaOf(admin, { 'client-id': client })).to.deep.equal({});
    } finally {
      await admin.close();
    }
    expect(second.logs.some((l) => l.msg === 'runs left by a stopped engine: interrupted ones are not run again, the others resume')).to.equal(true);
    second.kill('SIGTERM');
    expect((await second.exited).code).to.equal(0);
  });
});
