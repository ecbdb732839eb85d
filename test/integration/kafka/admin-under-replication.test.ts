import { expect } from 'chai';
import type { KafkaAdmin, TopicInfo } from '../../../src/actions/kafka/types.ts';
import { eventually } from '../../support/eventually.ts';
import { createTopic, useKafka, type Cluster } from '../../support/kafka.ts';
import { adminFor } from './admin-support.ts';

function underReplicated(topic: TopicInfo): number[] {
  return topic.partitions.filter((p) => p.isr.length < p.replicas.length).map((p) => p.partition);
}

describe('Kafka admin: cluster and topic metadata', () => {
  let cluster: Cluster;
  let admin: KafkaAdmin;
  let stopped: number | undefined;

  before(async function () {
    this.timeout(300_000);
    cluster = await useKafka();
    admin = adminFor(cluster);
  });

  after(async function () {
    this.timeout(180_000);
    // The cluster is shared by the whole run: never leave a broker down.
    if (stopped !== undefined) await cluster.startBroker(stopped);
    await admin?.close();
  });

  it('describes the cluster: id, brokers and a controller', async () => {
    const info = await admin.describeCluster();
    expect(info.clusterId).to.equal(cluster.clusterId);
    expect(info.brokers.map((b) => b.nodeId)).to.deep.equal(cluster.brokers.map((b) => b.nodeId).sort());
    expect(info.brokers.every((b) => b.host === '127.0.0.1' && b.rack === null)).to.equal(true);
    expect(info.controllerId).to.be.a('number');
  });

  it('reports internal topics and rejects an unknown one', async () => {
    const all = await admin.describeTopics();
    expect(all.find((t) => t.name === '__consumer_offsets')?.internal ?? true).to.equal(true);
    try {
      await admin.describeTopics(['does-not-exist-' + Date.now()]);
      expect.fail('expected an error');
    } catch (e) {
      expect((e as { code?: string }).code).to.equal('KAFKA_UNKNOWN_TOPIC_OR_PARTITION');
    }
  });

  it('shows partitions under-replicated while a broker is down, and healthy after it restarts', async function () {
    this.timeout(240_000);
    const topic = await createTopic(cluster, { prefix: 'urp', partitions: 3, replicationFactor: 3 });
    const [healthy] = await admin.describeTopics([topic]);
    expect(healthy?.partitions.map((p) => p.replicas.length)).to.deep.equal([3, 3, 3]);
    expect(underReplicated(healthy!)).to.deep.equal([]);

    const victim = cluster.brokers[cluster.brokers.length - 1]!.nodeId;
    stopped = victim;
    await cluster.stopBroker(victim);
    // The ISR shrinks at controlled shutdown; the replica shows as offline once the controller
    // has fenced the broker, which can come a moment later: wait for both.
    const degraded = await eventually(async () => {
      const [t] = await admin.describeTopics([topic]);
      expect(underReplicated(t!)).to.deep.equal([0, 1, 2]);
      expect(t!.partitions.map((p) => p.offlineReplicas)).to.deep.equal([[victim], [victim], [victim]]);
      return t!;
    }, { timeoutMs: 60_000, intervalMs: 250 });
    for (const p of degraded.partitions) {
      expect(p.isr).to.not.include(victim);
      expect(p.replicas).to.include(victim);
      expect(p.leader).to.not.equal(victim);
    }
    await eventually(async () => expect((await admin.describeCluster()).brokers.map((b) => b.nodeId)).to.not.include(victim), { timeoutMs: 30_000 });

    await cluster.startBroker(victim);
    stopped = undefined;
    await eventually(async () => {
      const [t] = await admin.describeTopics([topic]);
      expect(underReplicated(t!)).to.deep.equal([]);
      expect(t!.partitions.every((p) => p.offlineReplicas.length === 0)).to.equal(true);
    }, { timeoutMs: 120_000, intervalMs: 250 });
  });
});
