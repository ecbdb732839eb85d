import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirebreakError } from '../../../src/errors.ts';
import { attachCluster, startCluster, type BrokerInfo } from '../../../scripts/kafka/cluster.ts';
import { fetchMetadata } from '../../../scripts/kafka/wire.ts';
import { waitFor } from '../../support/eventually.ts';
import { testKafkaVersion } from '../../support/kafka.ts';
import { accepts, canListen, processExists } from './os-checks.ts';

/** Asserts that none of these nodes left a process or a bound port behind. */
async function expectNothingLeft(brokers: readonly BrokerInfo[], pids: readonly number[]): Promise<void> {
  for (const pid of pids) expect(processExists(pid), `pid ${pid} still exists`).to.equal(false);
  for (const b of brokers) {
    for (const port of [b.port, b.controllerPort]) {
      expect(await accepts(port), `port ${port} still accepts connections`).to.equal(false);
      expect(await canListen(port), `port ${port} cannot be bound again`).to.equal(true);
    }
  }
}

describe('local Kafka cluster lifecycle', function () {
  this.timeout(180_000);
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-cluster-'));
  });

  afterEach(async () => {
    // A failed test must not leave brokers running: stop whatever the state file still lists.
    await (await attachCluster(dir))?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves one broker on free ports and stop() leaves no process and no port behind', async () => {
    const cluster = await startCluster({ dir, brokers: 1, version: testKafkaVersion() });
    const brokers = cluster.brokers;
    const pids = brokers.map((b) => b.pid).filter((p): p is number => p !== null);
    try {
      expect(brokers).to.have.length(1);
      expect(pids).to.have.length(1);
      const [broker] = brokers;
      expect(cluster.bootstrapServers).to.equal(`127.0.0.1:${broker!.port}`);
      expect(cluster.version).to.equal(testKafkaVersion());
      const md = await fetchMetadata({ host: '127.0.0.1', port: broker!.port }, []);
      expect(md.brokers.map((b) => b.nodeId)).to.deep.equal([1]);
      expect(md.clusterId).to.equal(cluster.clusterId);
      expect(await accepts(broker!.controllerPort)).to.equal(true);
      expect(existsSync(join(dir, 'cluster.json'))).to.equal(true);
    } finally {
      await cluster.stop();
    }
    await expectNothingLeft(brokers, pids);
    expect(cluster.brokers.map((b) => b.pid)).to.deep.equal([null]);
    expect(await attachCluster(dir)).to.equal(null);
  });

  it('refuses a second start in the same directory and can be stopped by reattaching to it', async () => {
    const cluster = await startCluster({ dir, brokers: 1, version: testKafkaVersion() });
    const brokers = cluster.brokers;
    const pids = brokers.map((b) => b.pid).filter((p): p is number => p !== null);

    const second = await startCluster({ dir, brokers: 1, version: testKafkaVersion() }).then(
      () => null,
      (err: unknown) => err,
    );
    expect(second).to.be.instanceOf(FirebreakError);
    expect((second as FirebreakError).code).to.equal('KAFKA_LOCAL_ALREADY_RUNNING');
    expect((second as FirebreakError).message).to.contain(cluster.bootstrapServers);

    // What `npm run kafka -- stop` does from another process: read the state file, stop by pid.
    const attached = await attachCluster(dir);
    expect(attached).to.not.equal(null);
    expect(attached!.bootstrapServers).to.equal(cluster.bootstrapServers);
    expect(attached!.clusterId).to.equal(cluster.clusterId);
    expect(attached!.brokers.map((b) => b.pid)).to.deep.equal(pids);
    await attached!.stop();

    // This process is still the JVM's parent: its exit is reaped here, a moment after stop().
    await waitFor('every broker pid cleared', () => cluster.brokers.every((b) => b.pid === null) || undefined, { timeoutMs: 5000, intervalMs: 50 });
    await expectNothingLeft(brokers, pids);
  });
});
