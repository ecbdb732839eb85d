/**
 * The engine's Kafka connection: one admin for the whole process, created on first use from the
 * configured brokers (so `serve` starts, and read-only non-Kafka steps run, while the cluster is
 * down). Without brokers configured every call fails with ENGINE_KAFKA_NOT_CONFIGURED, which is
 * what a Kafka step then records.
 */
import type { KafkaAdmin, KafkaConnectionOptions } from '../actions/kafka/types.ts';
import type { Logger } from '../core/logger.ts';
import { toFirebreakError } from '../errors.ts';
import { kafkaNotConfigured } from './errors.ts';

/**
 * Opens the engine's connection now (`serve`, once it listens) rather than at the first step
 * that needs it: connecting (TCP, API versions, metadata) took the first containment after a
 * start 180-540 ms on a loaded machine. The admin keeps the connection (kafkajs reconnects by
 * itself). A cluster that does not answer now only gets a warning: the first Kafka step tries
 * again.
 */
export async function connectKafka(kafka: KafkaAdmin, logger: Logger): Promise<void> {
  try {
    const cluster = await kafka.describeCluster();
    logger.info({ clusterId: cluster.clusterId, brokers: cluster.brokers.map((b) => b.nodeId) }, 'connected to Kafka');
  } catch (err) {
    logger.warn({ err: toFirebreakError(err) }, 'Kafka did not answer at start; the first Kafka step connects again');
  }
}

export function lazyKafkaAdmin(options: KafkaConnectionOptions | null, create: (options: KafkaConnectionOptions) => KafkaAdmin | Promise<KafkaAdmin>): KafkaAdmin {
  let admin: Promise<KafkaAdmin> | null = null;
  const get = (): Promise<KafkaAdmin> => {
    if (options === null || options.brokers.length === 0) return Promise.reject(kafkaNotConfigured());
    admin ??= Promise.resolve()
      .then(() => create(options))
      .catch((err: unknown) => {
        admin = null; // a failed creation is tried again by the next call
        throw err;
      });
    return admin;
  };
  return {
    describeCluster: async () => (await get()).describeCluster(),
    async knownBrokerIds() {
      const admin = await get();
      return admin.knownBrokerIds === undefined ? (await admin.describeCluster()).brokers.map((b) => b.nodeId) : admin.knownBrokerIds();
    },
    describeTopics: async (topics) => (await get()).describeTopics(topics),
    describeClientQuotas: async (filter, opts) => (await get()).describeClientQuotas(filter, opts),
    alterClientQuotas: async (alterations, opts) => (await get()).alterClientQuotas(alterations, opts),
    describeConfigs: async (resource, names, opts) => (await get()).describeConfigs(resource, names, opts),
    incrementalAlterConfigs: async (resource, ops, opts) => (await get()).incrementalAlterConfigs(resource, ops, opts),
    describeLogDirs: async (brokerIds) => (await get()).describeLogDirs(brokerIds),
    describeGroup: async (groupId) => (await get()).describeGroup(groupId),
    consumerGroupLag: async (groupId, topics) => (await get()).consumerGroupLag(groupId, topics),
    committedOffsets: async (groupId) => (await get()).committedOffsets(groupId),
    listPartitionReassignments: async (topics) => (await get()).listPartitionReassignments(topics),
    topicOffsets: async (topic) => (await get()).topicOffsets(topic),
    offsetsForTimestamp: async (topic, timestamp) => (await get()).offsetsForTimestamp(topic, timestamp),
    listGroups: async () => (await get()).listGroups(),
    async close() {
      const current = admin;
      admin = null;
      if (current !== null) await (await current.catch(() => null))?.close();
    },
  };
}
