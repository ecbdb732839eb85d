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
import type { CommittedOffset, GroupDescription, GroupListing, GroupPartitionLag, PartitionOffsets } from './types.ts';

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

/** Group coordinator errors that a fresh FindCoordinator answers (the coordinator moved or is loading). */
const COORDINATOR_MOVING = new Set(['NOT_COORDINATOR', 'COORDINATOR_LOAD_IN_PROGRESS', 'COORDINATOR_NOT_AVAILABLE']);
export const COORDINATOR_ATTEMPTS = 5;

/**
 * Runs an OffsetFetch-based read again while the group's coordinator moves: kafkajs asks
 * FindCoordinator afresh for each call but does not retry an OffsetFetch the old coordinator
 * refused, and a coordinator moves whenever a `__consumer_offsets` partition changes leader
 * (a broker restarts, the preferred leader is restored). At most {@link COORDINATOR_ATTEMPTS}
 * tries, 100 ms apart and doubling; the admin call's deadline bounds them all.
 */
export async function whileCoordinatorMoves<T>(read: () => Promise<T>, pause: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      const type = (err as { type?: unknown }).type;
      if (typeof type !== 'string' || !COORDINATOR_MOVING.has(type) || attempt >= COORDINATOR_ATTEMPTS) throw err;
      await pause(100 * 2 ** (attempt - 1));
    }
  }
}

export async function consumerGroupLag(admin: Admin, groupId: string, topics?: string[]): Promise<GroupPartitionLag[]> {
  // Without topics kafkajs sends a null topic list: the group's committed topics.
  const committed = await whileCoordinatorMoves(() => admin.fetchOffsets(topics === undefined ? { groupId } : { groupId, topics }));
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

/** Every committed offset of `groupId`, on every topic it committed on (one OffsetFetch). */
export async function committedOffsets(admin: Admin, groupId: string): Promise<CommittedOffset[]> {
  const committed = await whileCoordinatorMoves(() => admin.fetchOffsets({ groupId }));
  return committed
    .flatMap(({ topic, partitions }) => partitions.map(({ partition, offset }) => ({ topic, partition, offset: Number(offset) })))
    .filter((o) => o.offset >= 0)
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

export async function listGroups(admin: Admin): Promise<GroupListing[]> {
  const { groups } = await admin.listGroups();
  // A group can be listed by more than one broker while its coordinator moves.
  const seen = new Map<string, GroupListing>();
  for (const g of groups) seen.set(g.groupId, { groupId: g.groupId, protocolType: g.protocolType });
  return [...seen.values()].sort((a, b) => a.groupId.localeCompare(b.groupId));
}

export async function topicOffsets(admin: Admin, topic: string): Promise<PartitionOffsets[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.map((o) => ({ partition: o.partition, start: Number(o.low), end: Number(o.high) })).sort((a, b) => a.partition - b.partition);
}

export async function offsetsForTimestamp(admin: Admin, topic: string, timestamp: number): Promise<Array<{ partition: number; offset: number }>> {
  // kafkajs takes the partitions from its shared metadata cache, which a concurrent refresh can
  // leave without the topic for a moment (it then fails with a TypeError wrapped in a kafkajs
  // error, not with a Kafka error): reload the topic's metadata and ask again, a few times.
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.fetchTopicMetadata({ topics: [topic] });
      const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, timestamp);
      return offsets.map((o) => ({ partition: o.partition, offset: Number(o.offset) })).sort((a, b) => a.partition - b.partition);
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause;
      if (!(err instanceof TypeError || cause instanceof TypeError) || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}
