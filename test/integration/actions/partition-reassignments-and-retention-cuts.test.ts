import { expect } from 'chai';
import { Kafka, logLevel } from 'kafkajs';
import { createTopic, useKafka, type Cluster } from '../../support/kafka.ts';
import { actionHarness, configsSettled, dynamicConfigs, until, type Harness } from './harness.ts';
import { produce } from './kafka-clients.ts';

const RATE_KEYS = ['leader.replication.throttled.rate', 'follower.replication.throttled.rate'];

/**
 * Starts a reassignment that stays in progress: `topic` (one partition, one replica, a few MB)
 * gets a second replica while replication to it is throttled to 1 KB/s. `finish()` lifts the
 * throttle and waits until the move completed, so the shared cluster is left as found.
 */
async function slowReassignment(cluster: Cluster, h: Harness, topic: string): Promise<{ target: number; finish(): Promise<void> }> {
  const [meta] = await h.admin.describeTopics([topic]);
  const current = meta?.partitions[0]?.replicas ?? [];
  const ids = (await h.admin.describeCluster()).brokers.map((b) => b.nodeId);
  const target = ids.find((id) => !current.includes(id)) as number;
  const throttled = [...current, target];
  for (const id of throttled) {
    await h.admin.incrementalAlterConfigs({ type: 'broker', name: String(id) }, RATE_KEYS.map((name) => ({ name, op: 'set' as const, value: '1024' })));
  }
  await h.admin.incrementalAlterConfigs({ type: 'topic', name: topic }, [
    { name: 'leader.replication.throttled.replicas', op: 'set', value: '*' },
    { name: 'follower.replication.throttled.replicas', op: 'set', value: '*' },
  ]);
  for (const id of throttled) await configsSettled(h.admin, 'broker', String(id), { 'leader.replication.throttled.rate': '1024', 'follower.replication.throttled.rate': '1024' }, RATE_KEYS);
  const admin = new Kafka({ brokers: cluster.bootstrapServers.split(','), clientId: 'firebreak-test-reassign', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: [...current, target] }] }] });
  } finally {
    await admin.disconnect();
  }
  return {
    target,
    async finish() {
      for (const id of throttled) {
        await h.admin.incrementalAlterConfigs({ type: 'broker', name: String(id) }, RATE_KEYS.map((name) => ({ name, op: 'delete' as const })));
      }
      await until(() => h.admin.listPartitionReassignments([topic]), (r) => r.length === 0, `reassignment of ${topic} to finish`, 60_000);
    },
  };
}

describe('kafka.partitionReassignments and kafka.cutRetention against a real cluster', function () {
  this.timeout(120_000);
  let cluster: Cluster;
  let h: Harness;

  before(async function () {
    this.timeout(180_000);
    cluster = await useKafka();
    h = actionHarness(cluster);
  });

  after(async () => {
    await h?.close();
  });

  it('reports no reassignment for a quiet topic, and one in progress while a replica is being added', async () => {
    const topic = await createTopic(cluster, { partitions: 1, replicationFactor: 1 });
    const quiet = await h.execute('kafka.partitionReassignments', { topics: [topic] });
    expect(quiet.output).to.deep.include({ inProgress: false, count: 0 });

    await produce(cluster, topic, [0], 300, 10_000);
    const move = await slowReassignment(cluster, h, topic);
    try {
      const busy = await until(
        async () => (await h.execute('kafka.partitionReassignments', { topics: [topic] })).output as { inProgress: boolean; addingBrokers: number[]; topics: unknown[] },
        (o) => o.inProgress,
        'the reassignment to show',
      );
      expect(busy.addingBrokers).to.deep.equal([move.target]);
      expect(busy.topics).to.deep.equal([{ topic, partitions: 1 }]);
      // Without a topic filter the same reassignment is listed among all.
      const all = (await h.execute('kafka.partitionReassignments', {})).output as { reassignments: Array<{ topic: string }> };
      expect(all.reassignments.map((r) => r.topic)).to.include(topic);
    } finally {
      await move.finish();
    }
  });

  it('cuts retention on the candidates that have more, skipping protected and already-short topics, then restores each', async () => {
    const week = await createTopic(cluster, { configs: { 'retention.ms': '604800000', 'cleanup.policy': 'delete' } });
    const defaulted = await createTopic(cluster);
    const short = await createTopic(cluster, { configs: { 'retention.ms': '600000' } });
    const guarded = await createTopic(cluster, { prefix: 'protected-logs' });
    const params = { topics: [guarded, week, short, defaulted], retentionMs: 3_600_000 };

    const plan = await h.plan('kafka.cutRetention', params);
    expect(plan.touches.topics).to.deep.equal([week, defaulted]);
    expect(plan.changes).to.deep.equal([
      { resource: `topic:${week}`, key: 'retention.ms', from: '604800000', to: '3600000' },
      { resource: `topic:${defaulted}`, key: 'retention.ms', from: null, to: '3600000' },
    ]);

    const result = await h.execute('kafka.cutRetention', params);
    expect(result.output).to.deep.equal({
      retentionMs: 3_600_000,
      changed: [
        { topic: week, fromMs: 604_800_000, toMs: 3_600_000 },
        { topic: defaulted, fromMs: 604_800_000, toMs: 3_600_000 },
      ],
      skipped: [
        { topic: guarded, reason: 'protected', retentionMs: null },
        { topic: short, reason: 'already-lower', retentionMs: 600_000 },
      ],
    });
    await configsSettled(h.admin, 'topic', week, { 'retention.ms': '3600000', 'cleanup.policy': 'delete' });
    await configsSettled(h.admin, 'topic', defaulted, { 'retention.ms': '3600000' });
    expect((await dynamicConfigs(h.admin, 'topic', short))['retention.ms']).to.equal('600000');

    const outcome = await h.revert('kafka.cutRetention', params, { prior: result.prior, applied: result.applied });
    expect(outcome.status).to.equal('reverted');
    await configsSettled(h.admin, 'topic', week, { 'retention.ms': '604800000', 'cleanup.policy': 'delete' });
    await configsSettled(h.admin, 'topic', defaulted, {});
  });

  it('changes at most maxTopics topics, in the order given', async () => {
    const a = await createTopic(cluster);
    const b = await createTopic(cluster);
    const params = { topics: [a, b], retentionMs: 7_200_000, maxTopics: 1 };
    const result = await h.execute('kafka.cutRetention', params);
    expect((result.output as { skipped: unknown[] }).skipped).to.deep.equal([{ topic: b, reason: 'over-limit', retentionMs: 604_800_000 }]);
    await h.revert('kafka.cutRetention', params, { prior: result.prior, applied: result.applied });
    await configsSettled(h.admin, 'topic', a, {});
  });
});
