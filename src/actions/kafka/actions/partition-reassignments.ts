/**
 * `kafka.partitionReassignments`: the partition reassignments in progress, the evidence that
 * decides whether a replication throttle makes sense (it only slows reassignment traffic and
 * replicas catching up, so with nothing being moved it changes nothing). Read-only.
 */
import type { Action } from '../../types.ts';
import type { PartitionReassignment } from '../types.ts';
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
}

/** Pure core: summarises the reassignments. */
export function summariseReassignments(all: readonly PartitionReassignment[], top: number): PartitionReassignmentsOutput {
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
    return { output: summariseReassignments(all, params.top) };
  },
};
