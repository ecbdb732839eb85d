import { expect } from 'chai';
import { eventually } from '../../support/eventually.ts';
import { createTopic, useKafka, type Cluster } from '../../support/kafka.ts';
import { SETTLED, accepting, actionHarness, configsSettled, dynamicConfigs, type Harness } from './harness.ts';
import { produce } from './kafka-clients.ts';
import { slowReassignment } from './slow-reassignment.ts';

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
    const move = await slowReassignment(cluster, h.admin, topic);
    try {
      const busy = await eventually(
        accepting(
          async () => (await h.execute('kafka.partitionReassignments', { topics: [topic] })).output as { inProgress: boolean; addingBrokers: number[]; topics: unknown[] },
          (o) => o.inProgress,
        ),
        { ...SETTLED, what: 'the reassignment to show' },
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
    const { impact, ...output } = result.output as { impact: Array<{ topic: string; dataLoss: unknown[] }> };
    expect(impact.map((i) => [i.topic, i.dataLoss])).to.deep.equal([[week, []], [defaulted, []]]);
    expect(output).to.deep.equal({
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
