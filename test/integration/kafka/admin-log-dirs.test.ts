import { expect } from 'chai';
import type { KafkaAdmin, LogDirInfo } from '../../../src/actions/kafka/types.ts';
import { eventually } from '../../support/eventually.ts';
import { createTopic, useKafka, type Cluster } from '../../support/kafka.ts';
import { adminFor, produce } from './admin-support.ts';

/** Bytes of `topic` per broker, summed over its partitions. */
function topicBytes(dirs: LogDirInfo[], topic: string): Map<number, number> {
  const sizes = new Map<number, number>();
  for (const dir of dirs) {
    for (const p of dir.partitions) if (p.topic === topic) sizes.set(dir.brokerId, (sizes.get(dir.brokerId) ?? 0) + p.sizeBytes);
  }
  return sizes;
}

describe('Kafka admin: log dirs', () => {
  let cluster: Cluster;
  let admin: KafkaAdmin;

  before(async function () {
    this.timeout(300_000);
    cluster = await useKafka();
    admin = adminFor(cluster);
  });

  after(async () => {
    await admin?.close();
  });

  it('asks every broker and reports partition sizes that grow with the data produced', async () => {
    const topic = await createTopic(cluster, { prefix: 'dirs', partitions: 2, replicationFactor: 3 });
    const { brokers } = await admin.describeCluster();
    // A broker lists a new topic in its metadata a moment before it has created the topic's
    // logs (it publishes the metadata image first, then applies it to its replicas): wait until
    // every broker holds both replicas, empty.
    const before = await eventually(async () => {
      const dirs = await admin.describeLogDirs();
      const held = brokers.map((b) => dirs.filter((d) => d.brokerId === b.nodeId).flatMap((d) => d.partitions.filter((p) => p.topic === topic)).length);
      expect(held, 'replicas of the new topic per broker').to.deep.equal(brokers.map(() => 2));
      return dirs;
    });
    expect([...new Set(before.map((d) => d.brokerId))].sort()).to.deep.equal(brokers.map((b) => b.nodeId).sort());
    expect(before.every((d) => d.error === null && d.path.length > 0)).to.equal(true);
    const empty = topicBytes(before, topic);
    expect([...empty.values()]).to.deep.equal(brokers.map(() => 0));

    await produce(cluster, topic, 200, 1024, 0);
    // Every replica (RF 3) holds partition 0: each broker's share grows by at least the payload.
    await eventually(async () => {
      const grown = topicBytes(await admin.describeLogDirs(), topic);
      for (const b of brokers) expect(grown.get(b.nodeId) ?? 0).to.be.at.least(200 * 1024);
    });
    const one = await admin.describeLogDirs([brokers[0]!.nodeId]);
    expect(one.every((d) => d.brokerId === brokers[0]!.nodeId)).to.equal(true);
    const partitions = one.flatMap((d) => d.partitions.filter((p) => p.topic === topic)).map((p) => p.partition).sort();
    expect(partitions).to.deep.equal([0, 1]);
  });

  it('fails with KAFKA_BROKER_NOT_AVAILABLE for a broker id that is not in the cluster', async () => {
    try {
      await admin.describeLogDirs([4242]);
      expect.fail('expected an error');
    } catch (e) {
      expect((e as { code?: string }).code).to.equal('KAFKA_BROKER_NOT_AVAILABLE');
    }
  });
});
