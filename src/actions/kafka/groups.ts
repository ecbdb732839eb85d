/**
 * Consumer groups through kafkajs's admin (DescribeGroups, OffsetFetch, ListOffsets, which
 * kafkajs negotiates at versions Kafka 3.9 and 4.x both accept).
 *
 * Lag per partition = log end offset (high watermark) - committed offset. A partition of a
 * consumed topic without a committed offset has `committedOffset: null` and lag = end - start
 * offset: everything still retained is unread, as a consumer with `auto.offset.reset=earliest`
 * would see it.
 */
import type { Admin } from 'kafkajs';
import type { GroupDescription, GroupPartitionLag } from './types.ts';

export async function describeGroup(admin: Admin, groupId: string): Promise<GroupDescription> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups.find((g) => g.groupId === groupId);
  // The broker answers an unknown group with state "Dead" and no members, not with an error.
  if (group === undefined) return { groupId, state: 'Dead', protocolType: '', members: [] };
  return {
    groupId: group.groupId,
    state: group.state,
    protocolType: group.protocolType,
    members: group.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost })),
  };
}

export async function consumerGroupLag(admin: Admin, groupId: string, topics?: string[]): Promise<GroupPartitionLag[]> {
  // Without topics kafkajs sends a null topic list: the group's committed topics.
  const committed = await admin.fetchOffsets(topics === undefined ? { groupId } : { groupId, topics });
  const lags: GroupPartitionLag[] = [];
  for (const { topic, partitions } of committed) {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o]));
    for (const { partition, offset } of partitions) {
      const end = ends.get(partition);
      if (end === undefined) continue; // partition vanished between the two calls
      const logEndOffset = Number(end.high);
      const committedOffset = Number(offset) < 0 ? null : Number(offset);
      const lag = committedOffset === null ? logEndOffset - Number(end.low) : Math.max(0, logEndOffset - committedOffset);
      lags.push({ topic, partition, committedOffset, logEndOffset, lag });
    }
  }
  return lags.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}
