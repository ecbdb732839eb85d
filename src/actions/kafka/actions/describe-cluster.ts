/**
 * `kafka.describeCluster`: cluster id, controller, brokers, and a health summary of every
 * topic's partitions (how many are under-replicated or offline) as first evidence.
 */
import type { Action } from '../../types.ts';
import type { ClusterInfo, TopicInfo } from '../types.ts';
import { readOnlyPlan } from './read-only.ts';

export type DescribeClusterParams = Record<string, never>;

export interface DescribeClusterOutput extends ClusterInfo {
  topicCount: number;
  partitionCount: number;
  /** Partitions whose ISR is smaller than their replica set. */
  underReplicatedPartitions: number;
  /** Partitions without a leader. */
  offlinePartitions: number;
}

/** The summary part of the output, from topic metadata. */
export function summariseTopics(topics: readonly TopicInfo[]): Omit<DescribeClusterOutput, keyof ClusterInfo> {
  const partitions = topics.flatMap((t) => t.partitions);
  return {
    topicCount: topics.length,
    partitionCount: partitions.length,
    underReplicatedPartitions: partitions.filter((p) => p.replicas.some((r) => !p.isr.includes(r))).length,
    offlinePartitions: partitions.filter((p) => p.leader < 0).length,
  };
}

export const describeCluster: Action<DescribeClusterParams, DescribeClusterOutput> = {
  name: 'kafka.describeCluster',
  description: 'Cluster id, controller, brokers, and counts of topics, partitions, under-replicated and offline partitions.',
  mutating: false,
  defaultRevert: 'never',
  paramsSchema: { type: 'object', additionalProperties: false, properties: {} },

  async plan() {
    return readOnlyPlan('describe the cluster');
  },

  async execute(ctx) {
    const cluster = await ctx.kafka.describeCluster();
    const topics = await ctx.kafka.describeTopics();
    return { output: { ...cluster, brokers: [...cluster.brokers].sort((a, b) => a.nodeId - b.nodeId), ...summariseTopics(topics) } };
  },
};
