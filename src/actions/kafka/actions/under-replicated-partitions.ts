/**
 * `kafka.underReplicatedPartitions`: which partitions have replicas outside the ISR, which
 * replicas are missing, and per broker how many replicas it is missing, so the broken broker
 * stands out when hundreds of partitions are affected.
 */
import type { Action } from '../../types.ts';
import type { TopicInfo } from '../types.ts';
import { readOnlyPlan } from './read-only.ts';
import { TOPIC_LIST } from './schema.ts';

export interface UnderReplicatedParams {
  topics?: string[];
  /** Most partitions listed (the counts always cover all). */
  limit: number;
}

export interface UnderReplicatedPartition {
  topic: string;
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  /** Replicas not in the ISR. */
  missing: number[];
  /** No leader: the partition is unavailable, not only under-replicated. */
  offline: boolean;
}

export interface UnderReplicatedOutput {
  count: number;
  offlineCount: number;
  topicCount: number;
  /** Per broker, how many under-replicated partitions it is missing from; largest first. */
  brokers: Array<{ brokerId: number; missing: number }>;
  partitions: UnderReplicatedPartition[];
  truncated: boolean;
}

/** Pure core of the action: under-replicated partitions of `topics`, sorted by topic and partition. */
export function findUnderReplicated(topics: readonly TopicInfo[], limit: number): UnderReplicatedOutput {
  const found: UnderReplicatedPartition[] = [];
  for (const t of topics) {
    for (const p of t.partitions) {
      const missing = p.replicas.filter((r) => !p.isr.includes(r));
      if (missing.length === 0) continue;
      found.push({ topic: t.name, partition: p.partition, leader: p.leader, replicas: p.replicas, isr: p.isr, missing, offline: p.leader < 0 });
    }
  }
  found.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  const perBroker = new Map<number, number>();
  for (const p of found) for (const b of p.missing) perBroker.set(b, (perBroker.get(b) ?? 0) + 1);
  return {
    count: found.length,
    offlineCount: found.filter((p) => p.offline).length,
    topicCount: new Set(found.map((p) => p.topic)).size,
    brokers: [...perBroker].map(([brokerId, missing]) => ({ brokerId, missing })).sort((a, b) => b.missing - a.missing || a.brokerId - b.brokerId),
    partitions: found.slice(0, limit),
    truncated: found.length > limit,
  };
}

export const underReplicatedPartitions: Action<UnderReplicatedParams, UnderReplicatedOutput> = {
  name: 'kafka.underReplicatedPartitions',
  description: 'Partitions with replicas missing from the ISR, the missing replicas, and per-broker counts.',
  mutating: false,
  defaultRevert: 'never',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      topics: TOPIC_LIST,
      limit: { type: 'integer', minimum: 1, maximum: 100_000, default: 1000 },
    },
  },

  async plan(_ctx, params) {
    return readOnlyPlan(`find under-replicated partitions${params.topics === undefined ? '' : ` of ${params.topics.join(', ')}`}`);
  },

  async execute(ctx, params) {
    const topics = await ctx.kafka.describeTopics(params.topics);
    return { output: findUnderReplicated(topics, params.limit) };
  },
};
