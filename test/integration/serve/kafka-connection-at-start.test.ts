/**
 * `serve` connects to Kafka when it starts, not at the first containment (which waited 180-540 ms
 * for the connection): with brokers configured and no alert posted, it logs `connected to Kafka`
 * with the cluster's brokers; with brokers that do not answer it still starts, and says so.
 */
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useKafka, type Cluster } from '../../support/kafka.ts';
import { ensureStopped, startServe, type ServeProcess } from './serve-process.ts';

describe('serve: the Kafka connection is opened at start', function () {
  this.timeout(120_000);
  let kafka: Cluster;
  let dir: string;
  let proc: ServeProcess | undefined;

  before(async function () {
    this.timeout(180_000);
    kafka = await useKafka();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-kafka-start-'));
  });
  afterEach(async () => {
    await ensureStopped(proc);
    proc = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function start(brokers: string): Promise<ServeProcess> {
    await writeFile(
      join(dir, 'config.yaml'),
      ['listen: 127.0.0.1:0', `dataDir: ${join(dir, 'data')}`, `runbooks: ${join(dir, 'runbooks')}`, 'webhook: { token: kafka-start-webhook-token-01 }', `kafka: { brokers: [${brokers}] }`, ''].join('\n'),
    );
    return startServe({ cwd: dir, env: {}, args: ['--config', join(dir, 'config.yaml')] });
  }

  it('connects before any alert arrives', async () => {
    proc = await start(kafka.bootstrapServers);
    const line = await proc.waitForLog((l) => l.msg === 'connected to Kafka');
    expect(line.brokers).to.deep.equal(kafka.brokers.map((b) => b.nodeId).sort((a, b) => a - b));
    expect(proc.logs.some((l) => String(l.msg).includes('/api/v1/alerts'))).to.equal(false);
  });

  it('starts and warns when the brokers do not answer', async () => {
    // A port that accepts TCP and never speaks Kafka (it reads and drops what it gets).
    const silent: Server = createServer((socket) => socket.resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      proc = await start(`127.0.0.1:${port}`);
      const line = await proc.waitForLog((l) => l.msg === 'Kafka did not answer at start; the first Kafka step connects again');
      expect(line.level).to.equal(40);
      const health = await fetch(`${proc.url}/healthz`);
      expect(health.status).to.equal(200);
    } finally {
      await ensureStopped(proc);
      proc = undefined;
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
