import { expect } from 'chai';
import { summariseLag } from '../../../src/actions/kafka/actions/consumer-group-lag.ts';
import { summariseTopics } from '../../../src/actions/kafka/actions/describe-cluster.ts';
import { summariseLogDirs } from '../../../src/actions/kafka/actions/log-dir-usage.ts';
import { findUnderReplicated } from '../../../src/actions/kafka/actions/under-replicated-partitions.ts';
import type { LogDirInfo, TopicInfo } from '../../../src/actions/kafka/types.ts';

const topics: TopicInfo[] = [
  {
    name: 'orders',
    internal: false,
    partitions: [
      { partition: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 2, 3], offlineReplicas: [] },
      { partition: 1, leader: 2, replicas: [2, 3, 1], isr: [2], offlineReplicas: [] },
      { partition: 2, leader: -1, replicas: [3, 1], isr: [], offlineReplicas: [3, 1] },
    ],
  },
  { name: 'audit', internal: false, partitions: [{ partition: 0, leader: 1, replicas: [1, 3], isr: [1], offlineReplicas: [] }] },
];

describe('read-only action summaries', () => {
  it('finds under-replicated partitions, the missing replicas, and counts per broker', () => {
    const out = findUnderReplicated(topics, 10);
    expect(out.count).to.equal(3);
    expect(out.offlineCount).to.equal(1);
    expect(out.topicCount).to.equal(2);
    expect(out.partitions.map((p) => [p.topic, p.partition, p.missing, p.offline])).to.deep.equal([
      ['audit', 0, [3], false],
      ['orders', 1, [3, 1], false],
      ['orders', 2, [3, 1], true],
    ]);
    expect(out.brokers).to.deep.equal([
      { brokerId: 3, missing: 3 },
      { brokerId: 1, missing: 2 },
    ]);
    expect(out.truncated).to.equal(false);
  });

  it('truncates the partition list at the limit but keeps the counts complete', () => {
    const out = findUnderReplicated(topics, 1);
    expect(out.partitions).to.have.length(1);
    expect(out.truncated).to.equal(true);
    expect(out.count).to.equal(3);
    expect(out.brokers[0]).to.deep.equal({ brokerId: 3, missing: 3 });
  });

  it('counts topics, partitions, under-replicated and offline for the cluster summary', () => {
    expect(summariseTopics(topics)).to.deep.equal({ topicCount: 2, partitionCount: 4, underReplicatedPartitions: 3, offlinePartitions: 1 });
  });

  it('sums consumer lag per topic (largest first) and in total', () => {
    const out = summariseLag([
      { topic: 'b', partition: 1, committedOffset: 10, logEndOffset: 15, lag: 5 },
      { topic: 'a', partition: 0, committedOffset: null, logEndOffset: 40, lag: 40 },
      { topic: 'b', partition: 0, committedOffset: 0, logEndOffset: 100, lag: 100 },
    ]);
    expect(out.totalLag).to.equal(145);
    expect(out.topics).to.deep.equal([
      { topic: 'b', lag: 105, partitions: 2 },
      { topic: 'a', lag: 40, partitions: 1 },
    ]);
    expect(out.partitions.map((p) => `${p.topic}-${p.partition}`)).to.deep.equal(['a-0', 'b-0', 'b-1']);
  });

  it('aggregates log dir usage per broker, topic and partition replica, largest first', () => {
    const dirs: LogDirInfo[] = [
      {
        brokerId: 1,
        path: '/data/a',
        error: null,
        partitions: [
          { topic: 'orders', partition: 0, sizeBytes: 500, offsetLag: 0, isFuture: false },
          { topic: 'audit', partition: 0, sizeBytes: 100, offsetLag: 0, isFuture: false },
        ],
      },
      { brokerId: 2, path: '/data/a', error: null, partitions: [{ topic: 'orders', partition: 0, sizeBytes: 700, offsetLag: 0, isFuture: false }] },
      { brokerId: 2, path: '/data/b', error: 'KAFKA_STORAGE_ERROR', partitions: [] },
    ];
    const out = summariseLogDirs(dirs, undefined, 2);
    expect(out.totalBytes).to.equal(1300);
    expect(out.brokers.map((b) => [b.brokerId, b.bytes, b.logDirs.map((d) => `${d.path}:${d.bytes}:${d.error ?? ''}`)])).to.deep.equal([
      [2, 700, ['/data/a:700:', '/data/b:0:KAFKA_STORAGE_ERROR']],
      [1, 600, ['/data/a:600:']],
    ]);
    expect(out.topics).to.deep.equal([
      { topic: 'orders', bytes: 1200, partitions: 1 },
      { topic: 'audit', bytes: 100, partitions: 1 },
    ]);
    expect(out.partitions.map((p) => `${p.topic}-${p.partition}@${p.brokerId}:${p.bytes}`)).to.deep.equal(['orders-0@2:700', 'orders-0@1:500']);
    const onlyAudit = summariseLogDirs(dirs, ['audit'], 10);
    expect(onlyAudit.totalBytes).to.equal(100);
    expect(onlyAudit.topics.map((t) => t.topic)).to.deep.equal(['audit']);
  });
});
