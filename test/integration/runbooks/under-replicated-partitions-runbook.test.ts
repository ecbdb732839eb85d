import { expect } from 'chai';
import { createTopic, useKafka, type Cluster } from '../../support/kafka.ts';
import { configsSettled, dynamicConfigs } from '../actions/harness.ts';
import { produce } from '../actions/kafka-clients.ts';
import { slowReassignment } from '../actions/slow-reassignment.ts';
import { notification, reasonOf, startRunbookApp, stepTrail, type RunbookApp } from './runbook-harness.ts';

const RATES = ['leader.replication.throttled.rate', 'follower.replication.throttled.rate'];
const REPLICAS = ['leader.replication.throttled.replicas', 'follower.replication.throttled.replicas'];

function urpAlert(): { labels: Record<string, string>; annotations: Record<string, string>; startsAt: string } {
  return {
    labels: { alertname: 'KafkaUnderReplicatedPartitions', cluster: 'test', instance: 'kafka-1:7071', severity: 'warning' },
    annotations: {
      summary: 'Kafka cluster test: broker kafka-1:7071 leads under-replicated partitions',
      description: '3 partitions led by broker kafka-1:7071 in cluster test have had fewer in-sync replicas than replicas for more than 5 minutes.',
    },
    startsAt: new Date(Date.now() - 6 * 60_000).toISOString(),
  };
}

function pick(configs: Record<string, string | null>, keys: string[]): Record<string, string | null> {
  return Object.fromEntries(Object.entries(configs).filter(([k]) => keys.includes(k)));
}

describe('shipped runbook under-replicated-partitions, for real', function () {
  this.timeout(120_000);
  let cluster: Cluster;
  let h: RunbookApp | undefined;

  before(async function () {
    this.timeout(180_000);
    cluster = await useKafka();
  });

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('gathers evidence and leaves replication alone when no reassignment runs', async () => {
    h = await startRunbookApp(cluster, { runbooks: ['under-replicated-partitions'] });
    const brokers = (await h.admin.describeCluster()).brokers.map((b) => String(b.nodeId));
    const before = await Promise.all(brokers.map(async (b) => pick(await dynamicConfigs(h!.admin, 'broker', b), RATES)));
    await h.post(notification('firing', urpAlert()));
    const id = await h.onlyIncident();
    const entries = await h.timeline(id);
    expect(stepTrail(entries)).to.deep.equal([
      ['step.started', 'cluster'],
      ['step.succeeded', 'cluster'],
      ['step.started', 'partitions'],
      ['step.succeeded', 'partitions'],
      ['step.started', 'moves'],
      ['step.succeeded', 'moves'],
      ['step.skipped', 'throttle'],
    ]);
    expect(reasonOf(entries, 'step.skipped', 'throttle')).to.equal('condition-false');
    const cluster0 = entries.find((e) => e.kind === 'step.succeeded' && e.data['stepId'] === 'cluster')?.data['output'] as { brokers: unknown[] };
    expect(cluster0.brokers).to.have.length(brokers.length);
    expect((await h.store.getIncident(id))?.status).to.equal('open');
    const after = await Promise.all(brokers.map(async (b) => pick(await dynamicConfigs(h!.admin, 'broker', b), RATES)));
    expect(after).to.deep.equal(before);
  });

  it('throttles the moving replicas while a reassignment runs, and restores every broker and topic on resolution', async () => {
    h = await startRunbookApp(cluster, { runbooks: ['under-replicated-partitions'] });
    const topic = await createTopic(cluster, { prefix: 'moving', partitions: 1, replicationFactor: 1 });
    await produce(cluster, topic, [0], 300, 10_000);
    const move = await slowReassignment(cluster, h.admin, topic);
    try {
      const [meta] = await h.admin.describeTopics([topic]);
      const holders = (meta?.partitions[0]?.replicas ?? []).filter((r) => r !== move.target);
      const brokers = (await h.admin.describeCluster()).brokers.map((b) => String(b.nodeId));
      const alert = urpAlert();
      await h.post(notification('firing', alert));
      const id = await h.onlyIncident();
      let entries = await h.timeline(id);
      expect(stepTrail(entries).map(([kind, step]) => `${kind}:${String(step)}`)).to.include.members(['step.succeeded:moves', 'step.succeeded:throttle']);
      const moves = entries.find((e) => e.kind === 'step.succeeded' && e.data['stepId'] === 'moves')?.data['output'] as { inProgress: boolean; throttleTopics: unknown[] };
      expect(moves.inProgress).to.equal(true);
      expect(moves.throttleTopics).to.deep.include({ name: topic, leader: holders.map((b) => `0:${b}`), follower: [`0:${move.target}`] });
      expect((await h.store.getIncident(id))?.status).to.equal('contained');
      for (const b of brokers) await configsSettled(h.admin, 'broker', b, { 'leader.replication.throttled.rate': '10485760', 'follower.replication.throttled.rate': '10485760' }, RATES);
      await configsSettled(h.admin, 'topic', topic, { 'leader.replication.throttled.replicas': holders.map((b) => `0:${b}`).join(','), 'follower.replication.throttled.replicas': `0:${move.target}` }, REPLICAS);

      await h.post(notification('resolved', { ...alert, endsAt: new Date().toISOString() }));
      entries = await h.timeline(id);
      expect(entries.filter((e) => e.kind === 'revert.succeeded').map((e) => e.data['stepId'])).to.deep.equal(['throttle']);
      expect(stepTrail(entries).slice(-2)).to.deep.equal([
        ['step.started', 'recheck'],
        ['step.succeeded', 'recheck'],
      ]);
      // Back to what the moving tool had set before: 1 KB/s on the brokers involved, nothing on the others, '*' on the topic.
      for (const b of brokers) {
        const expected: Record<string, string> = [...holders, move.target].map(String).includes(b) ? { 'leader.replication.throttled.rate': '1024', 'follower.replication.throttled.rate': '1024' } : {};
        await configsSettled(h.admin, 'broker', b, expected, RATES);
      }
      await configsSettled(h.admin, 'topic', topic, { 'leader.replication.throttled.replicas': '*', 'follower.replication.throttled.replicas': '*' }, REPLICAS);
      expect((await h.store.getIncident(id))?.status).to.equal('recovered');
    } finally {
      await move.finish();
    }
  });
});
