/**
 * `kafka.partitionReassignments`: the partition reassignments in progress, the evidence that
 * decides whether a replication throttle makes sense (with nothing being moved, the traffic that
 * hurts is not reassignment traffic). Read-only.
 *
 * `throttleTopics` lists the moving replicas the way `kafka.setReplicationThrottle` takes its
 * `topics` (what `kafka-reassign-partitions --throttle` marks): on the leader side the replicas
 * that already hold the data, on the follower side the ones being added, so a throttle slows the
 * move and not the followers that are catching up. Protected topics are left out of it (the
 * throttle would be refused for them).
 */
import type { Action } from '../../types.ts';
import type { PartitionReassignment } from '../types.ts';
import { isProtectedTopic } from './limits.ts';
import { readOnlyPlan } from './read-only.ts';
import { TOPIC_LIST } from './schema.ts';

export interface PartitionReassignmentsParams {
  topics?: string[];
  /** How many reassignments to list (the counts cover all). */
  top: number;
}

export interface PartitionReassignmentsOutput {
  /** True when at least one partition is being moved: `when: steps.moves.output.inProgress`. */
  inProgress: boolean;
  count: number;
  /** Topics with partitions being moved, most partitions first. */
  topics: Array<{ topic: string; partitions: number }>;
  /** Brokers receiving replicas, and brokers losing them (sorted ids). */
  addingBrokers: number[];
  removingBrokers: number[];
  reassignments: PartitionReassignment[];
  truncated: boolean;
  /** `topics` for kafka.setReplicationThrottle: `{ name, leader: ['p:b'...], follower: ['p:b'...] }`. */
  throttleTopics: Array<{ name: string; leader: string[]; follower: string[] }>;
}

/** The throttled replica lists of the moving partitions, per topic (see the module comment). */
export function throttledReplicas(all: readonly PartitionReassignment[], isProtected: (topic: string) => boolean): PartitionReassignmentsOutput['throttleTopics'] {
  const perTopic = new Map<string, { leader: string[]; follower: string[] }>();
  for (const r of all) {
    if (isProtected(r.topic)) continue;
    const t = perTopic.get(r.topic) ?? { leader: [], follower: [] };
    for (const b of r.replicas.filter((id) => !r.addingReplicas.includes(id))) t.leader.push(`${r.partition}:${b}`);
    for (const b of r.addingReplicas) t.follower.push(`${r.partition}:${b}`);
    perTopic.set(r.topic, t);
  }
  return [...perTopic]
    .filter(([, t]) => t.leader.length > 0 && t.follower.length > 0)
    .map(([name, t]) => ({ name, leader: [...new Set(t.leader)], follower: [...new Set(t.follower)] }));
}

/** Pure core: summarises the reassignments. */
export function summariseReassignments(all: readonly PartitionReassignment[], top: number, isProtected: (topic: string) => boolean = () => false): PartitionReassignmentsOutput {
  const perTopic = new Map<string, number>();
  for (const r of all) perTopic.set(r.topic, (perTopic.get(r.topic) ?? 0) + 1);
  const brokers = (pick: (r: PartitionReassignment) => number[]): number[] => [...new Set(all.flatMap(pick))].sort((a, b) => a - b);
  return {
    inProgress: all.length > 0,
    count: all.length,
    topics: [...perTopic].map(([topic, partitions]) => ({ topic, partitions })).sort((a, b) => b.partitions - a.partitions || (a.topic < b.topic ? -1 : 1)),
    addingBrokers: brokers((r) => r.addingReplicas),
    removingBrokers: brokers((r) => r.removingReplicas),
    reassignments: all.slice(0, top),
    truncated: all.length > top,
    throttleTopics: throttledReplicas(all, isProtected),
  };
}

export const partitionReassignments: Action<PartitionReassignmentsParams, PartitionReassignmentsOutput> = {
  name: 'kafka.partitionReassignments',
  description: 'Partition reassignments in progress: which partitions move, to and from which brokers.',
  mutating: false,
  defaultRevert: 'never',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      topics: TOPIC_LIST,
      top: { type: 'integer', minimum: 1, maximum: 10_000, default: 100 },
    },
  },

  async plan() {
    return readOnlyPlan('list partition reassignments in progress');
  },

  async execute(ctx, params) {
    const all = await ctx.kafka.listPartitionReassignments(params.topics);
    return { output: summariseReassignments(all, params.top, (topic) => isProtectedTopic(topic, ctx.limits)) };
  },
};
