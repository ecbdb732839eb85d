import { expect } from 'chai';
import type { ConsumerGroupLagOutput } from '../../../src/actions/kafka/actions/consumer-group-lag.ts';
import type { DescribeClusterOutput } from '../../../src/actions/kafka/actions/describe-cluster.ts';
import type { LogDirUsageOutput } from '../../../src/actions/kafka/actions/log-dir-usage.ts';
import { eventually } from '../../support/eventually.ts';
import { createTopic, uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { SETTLED, accepting, rejection, actionHarness, type Harness } from './harness.ts';
import { consumeAndCommit, produce } from './kafka-clients.ts';

describe('read-only actions against a real cluster', function () {
  this.timeout(90_000);
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

  it('describes the cluster: id, controller, brokers and partition health', async () => {
    await createTopic(cluster, { partitions: 4 });
    const { output } = await h.execute('kafka.describeCluster', {});
    const out = output as DescribeClusterOutput;
    expect(out.clusterId).to.equal(cluster.clusterId);
    expect(out.brokers.map((b) => b.nodeId)).to.deep.equal(cluster.brokers.map((b) => b.nodeId).sort((a, b) => a - b));
    expect(out.brokers.map((b) => b.nodeId)).to.include(out.controllerId);
    expect(out.partitionCount).to.be.at.least(4);
    expect(out.topicCount).to.be.at.least(1);
    expect((await h.plan('kafka.describeCluster', {})).changes).to.deep.equal([]);
  });

  it('reports log dir bytes per broker, topic and partition, growing with data produced', async () => {
    const topic = await createTopic(cluster, { partitions: 2, replicationFactor: 3 });
    const usage = async () => (await h.execute('kafka.logDirUsage', { topics: [topic] })).output as LogDirUsageOutput;
    // A broker lists a new topic a moment before it has created the topic's logs: wait until
    // every broker holds its replicas of both partitions (six logs), empty.
    const empty = await eventually(
      accepting(usage, (u) => u.partitions.length === 6),
      { ...SETTLED, what: 'replicas of the new topic in every log dir' },
    );
    expect(empty.totalBytes).to.equal(0);
    expect(empty.topics).to.deep.equal([{ topic, bytes: 0, partitions: 2 }]);

    // 200 KiB into partition 0, 50 KiB into partition 1; three replicas of each.
    await produce(cluster, topic, [0], 200, 1024);
    await produce(cluster, topic, [1], 50, 1024);
    const grown = await eventually(
      accepting(usage, (u) => u.partitions.length === 6 && u.partitions.every((p) => p.bytes >= (p.partition === 0 ? 200 : 50) * 1024)),
      { ...SETTLED, what: 'replicas on disk' },
    );
    expect(grown.topics[0]?.bytes).to.equal(grown.totalBytes);
    expect(grown.totalBytes).to.be.at.least(3 * 250 * 1024);
    expect(grown.partitions.slice(0, 3).map((p) => p.partition)).to.deep.equal([0, 0, 0]);
    expect(new Set(grown.partitions.map((p) => p.brokerId)).size).to.equal(3);
    expect(grown.brokers.reduce((s, b) => s + b.bytes, 0)).to.equal(grown.totalBytes);

    await produce(cluster, topic, [1], 100, 1024);
    const more = await eventually(accepting(usage, (u) => u.totalBytes >= grown.totalBytes + 3 * 100 * 1024), { ...SETTLED, what: 'more bytes on disk' });
    expect(more.totalBytes).to.be.greaterThan(grown.totalBytes);
  });

  it('measures the lag of a real group that committed part of a topic', async () => {
    const topic = await createTopic(cluster, { partitions: 3 });
    await produce(cluster, topic, [0, 1, 2], 10, 100);
    const group = uniqueName('group');
    const consumer = await consumeAndCommit(cluster, group, topic, 3, 4);
    let stopped = false;
    try {
      const lag = async () => (await h.execute('kafka.consumerGroupLag', { group, sample: '1s', samples: 2 })).output as ConsumerGroupLagOutput;
      const live = await eventually(accepting(lag, (l) => l.state === 'Stable' && l.totalLag === 18), { ...SETTLED, what: 'group stable with its commits' });
      expect(live.members).to.equal(1);
      expect(live.partitions).to.deep.equal([0, 1, 2].map((partition) => ({ topic, partition, committedOffset: 4, logEndOffset: 10, lag: 6 })));
      expect(live.topics.map((t) => ({ topic: t.topic, lag: t.lag, partitions: t.partitions, class: t.class }))).to.deep.equal([{ topic, lag: 18, partitions: 3, class: 'stalled' }]);

      await consumer.stop();
      stopped = true;
      const idle = await eventually(accepting(lag, (l) => l.state === 'Empty'), { ...SETTLED, what: 'group empty after its member left' });
      expect(idle.members).to.equal(0);
      expect(idle.totalLag).to.equal(18);
    } finally {
      if (!stopped) await consumer.stop();
    }
  });

  it('refuses a group nobody knows with ACTION_GROUP_NOT_FOUND instead of reporting no lag', async () => {
    const err = await rejection(h.execute('kafka.consumerGroupLag', { group: uniqueName('nobody'), sample: '1s' }));
    expect(err.code).to.equal('ACTION_GROUP_NOT_FOUND');
  });
});
