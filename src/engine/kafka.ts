/**
 * The engine's Kafka connection: one admin for the whole process, created on first use from the
 * configured brokers (so `serve` starts, and read-only non-Kafka steps run, while the cluster is
 * down). Without brokers configured every call fails with ENGINE_KAFKA_NOT_CONFIGURED, which is
 * what a Kafka step then records.
 */
import type { KafkaAdmin, KafkaConnectionOptions } from '../actions/kafka/types.ts';
import { kafkaNotConfigured } from './errors.ts';

export function lazyKafkaAdmin(options: KafkaConnectionOptions | null, create: (options: KafkaConnectionOptions) => KafkaAdmin): KafkaAdmin {
  let admin: KafkaAdmin | null = null;
  const get = (): KafkaAdmin => {
    if (options === null || options.brokers.length === 0) throw kafkaNotConfigured();
    admin ??= create(options);
    return admin;
  };
  return {
    describeCluster: async () => get().describeCluster(),
    describeTopics: async (topics) => get().describeTopics(topics),
    describeClientQuotas: async (filter) => get().describeClientQuotas(filter),
    alterClientQuotas: async (alterations, opts) => get().alterClientQuotas(alterations, opts),
    describeConfigs: async (resource, names) => get().describeConfigs(resource, names),
    incrementalAlterConfigs: async (resource, ops, opts) => get().incrementalAlterConfigs(resource, ops, opts),
    describeLogDirs: async (brokerIds) => get().describeLogDirs(brokerIds),
    describeGroup: async (groupId) => get().describeGroup(groupId),
    consumerGroupLag: async (groupId, topics) => get().consumerGroupLag(groupId, topics),
    listPartitionReassignments: async (topics) => get().listPartitionReassignments(topics),
    async close() {
      const current = admin;
      admin = null;
      if (current !== null) await current.close();
    },
  };
}
