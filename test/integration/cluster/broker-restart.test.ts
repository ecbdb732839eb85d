import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../../../scripts/kafka/cluster.ts';
import { fetchMetadata, type Metadata } from '../../../scripts/kafka/wire.ts';
import { eventually } from '../../support/eventually.ts';
import { createTopic, testKafkaVersion, useKafka } from '../../support/kafka.ts';

/**
 * Polls Metadata from one broker until `accept` holds; fails after `timeoutMs` with the last
 * metadata read (or the last error, while the broker does not answer).
 */
function metadataUntil(port: number, topics: string[], accept: (md: Metadata) => boolean, timeoutMs = 60_000): Promise<Metadata> {
  return eventually(
    async () => {
      const md = await fetchMetadata({ host: '127.0.0.1', port }, topics);
      if (!accept(md)) throw new Error(`last: ${JSON.stringify(md)}`);
      return md;
    },
    { what: `metadata from :${port} to match`, timeoutMs, intervalMs: 200 },
  );
}

const brokerIds = (md: Metadata): number[] => md.brokers.map((b) => b.nodeId).sort();

describe('a 3-broker cluster', function () {
  this.timeout(240_000);
  let cluster: Cluster;
  let ownDir: string | undefined;

  before(async () => {
    const shared = await useKafka();
    if (shared.managed) {
      cluster = shared;
    } else {
      // An external cluster's brokers cannot be stopped from here: use a cluster of our own.
      ownDir = await mkdtemp(join(tmpdir(), 'firebreak-restart-'));
      cluster = await startCluster({ dir: ownDir, brokers: 3, version: testKafkaVersion() });
    }
  });

  after(async () => {
    if (ownDir === undefined) return;
    await cluster.stop();
    await rm(ownDir, { recursive: true, force: true });
  });

  it('serves on three brokers that each list all three', async () => {
    expect(cluster.brokers.map((b) => b.nodeId)).to.deep.equal([1, 2, 3]);
    expect(cluster.bootstrapServers.split(',')).to.have.length(3);
    for (const b of cluster.brokers) {
      expect(b.pid).to.be.a('number');
      const md = await fetchMetadata({ host: '127.0.0.1', port: b.port }, []);
      expect(brokerIds(md)).to.deep.equal([1, 2, 3]);
    }
  });

  it('keeps serving while one broker is stopped, and the broker rejoins with its storage when restarted', async () => {
    const topic = await createTopic(cluster, { prefix: 'restart', partitions: 3, replicationFactor: 3 });
    const survivor = cluster.brokers.find((b) => b.nodeId === 1)!;

    await cluster.stopBroker(2);
    expect(cluster.brokers.find((b) => b.nodeId === 2)!.pid).to.equal(null);
    const during = await metadataUntil(survivor.port, [topic], (md) => brokerIds(md).join() === '1,3');
    const partitions = during.topics[0]!.partitions;
    expect(partitions).to.have.length(3);
    for (const p of partitions) expect([1, 3]).to.include(p.leader);

    await cluster.startBroker(2);
    const restarted = cluster.brokers.find((b) => b.nodeId === 2)!;
    expect(restarted.pid).to.be.a('number');
    // The restarted node serves the topic created before it stopped and catches up into every ISR.
    const after = await metadataUntil(restarted.port, [topic], (md) =>
      md.topics[0]!.partitions.every((p) => p.isr.includes(2)),
    );
    expect(brokerIds(after)).to.deep.equal([1, 2, 3]);
    expect(after.clusterId).to.equal(cluster.clusterId);
    expect(after.topics[0]!.partitions.map((p) => p.replicas.sort())).to.deep.equal([
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });
});
