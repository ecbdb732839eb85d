/**
 * `kafka.consumerGroupLag`: a consumer group's state and lag per partition, per topic and in
 * total (committed offset against log end offset).
 */
import type { Action } from '../../types.ts';
import type { GroupPartitionLag } from '../types.ts';
import { readOnlyPlan } from './read-only.ts';
import { TOPIC_LIST } from './schema.ts';

export interface ConsumerGroupLagParams {
  group: string;
  topics?: string[];
}

export interface ConsumerGroupLagOutput {
  group: string;
  /** Group coordinator state: Stable, Empty, PreparingRebalance, CompletingRebalance, Dead. */
  state: string;
  members: number;
  totalLag: number;
  /** Per topic, largest lag first. */
  topics: Array<{ topic: string; lag: number; partitions: number }>;
  /** Per partition, by topic then partition. */
  partitions: GroupPartitionLag[];
}

/** Pure core: totals and per-topic sums of `partitions`. */
export function summariseLag(partitions: readonly GroupPartitionLag[]): Pick<ConsumerGroupLagOutput, 'totalLag' | 'topics' | 'partitions'> {
  const sorted = [...partitions].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  const perTopic = new Map<string, { lag: number; partitions: number }>();
  for (const p of sorted) {
    const t = perTopic.get(p.topic) ?? { lag: 0, partitions: 0 };
    t.lag += p.lag;
    t.partitions += 1;
    perTopic.set(p.topic, t);
  }
  return {
    totalLag: sorted.reduce((sum, p) => sum + p.lag, 0),
    topics: [...perTopic].map(([topic, t]) => ({ topic, ...t })).sort((a, b) => b.lag - a.lag || (a.topic < b.topic ? -1 : 1)),
    partitions: sorted,
  };
}

export const consumerGroupLag: Action<ConsumerGroupLagParams, ConsumerGroupLagOutput> = {
  name: 'kafka.consumerGroupLag',
  description: 'Lag of a consumer group per partition, per topic and in total, with the group state.',
  mutating: false,
  defaultRevert: 'never',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['group'],
    properties: {
      group: { type: 'string', minLength: 1, maxLength: 255 },
      topics: TOPIC_LIST,
    },
  },

  async plan(_ctx, params) {
    return readOnlyPlan(`read lag of consumer group ${params.group}`);
  },

  async execute(ctx, params) {
    const group = await ctx.kafka.describeGroup(params.group);
    const lag = await ctx.kafka.consumerGroupLag(params.group, params.topics);
    return { output: { group: params.group, state: group.state, members: group.members.length, ...summariseLag(lag) } };
  },
};
