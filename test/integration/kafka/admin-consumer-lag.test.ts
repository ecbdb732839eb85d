import { expect } from 'chai';
import type { KafkaAdmin } from '../../../src/actions/kafka/types.ts';
import { createTopic, uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { adminFor, commitOffsets, produce } from './admin-support.ts';

describe('Kafka admin: consumer groups', () => {
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

  it('computes lag as end offset minus committed offset for a group that committed part of a topic', async () => {
    const topic = await createTopic(cluster, { prefix: 'lag', partitions: 3 });
    await produce(cluster, topic, 10, 100, 0);
    await produce(cluster, topic, 4, 100, 1);
    const groupId = uniqueName('group');
    await commitOffsets(cluster, groupId, topic, [
      { partition: 0, offset: '7' },
      { partition: 1, offset: '4' },
    ]);

    const lag = await admin.consumerGroupLag(groupId, [topic]);
    expect(lag).to.deep.equal([
      { topic, partition: 0, committedOffset: 7, logEndOffset: 10, lag: 3 },
      { topic, partition: 1, committedOffset: 4, logEndOffset: 4, lag: 0 },
      // Never committed: everything retained is unread (end - start offset).
      { topic, partition: 2, committedOffset: null, logEndOffset: 0, lag: 0 },
    ]);

    // Without a topic list: the topics the group committed, only their committed partitions.
    const committedOnly = await admin.consumerGroupLag(groupId);
    expect(committedOnly.map((l) => [l.partition, l.lag])).to.deep.equal([
      [0, 3],
      [1, 0],
    ]);

    const group = await admin.describeGroup(groupId);
    expect(group).to.deep.include({ groupId, state: 'Empty', members: [] });
  });

  it('counts a partition never committed as fully unread', async () => {
    const topic = await createTopic(cluster, { prefix: 'lag' });
    await produce(cluster, topic, 5, 10, 0);
    const groupId = uniqueName('group');
    const other = await createTopic(cluster, { prefix: 'lag' });
    await commitOffsets(cluster, groupId, other, [{ partition: 0, offset: '0' }]);
    expect(await admin.consumerGroupLag(groupId, [topic])).to.deep.equal([{ topic, partition: 0, committedOffset: null, logEndOffset: 5, lag: 5 }]);
  });

  it('describes a group that does not exist as Dead with no members', async () => {
    const groupId = uniqueName('nobody');
    expect(await admin.describeGroup(groupId)).to.deep.include({ groupId, state: 'Dead', members: [] });
  });
});
