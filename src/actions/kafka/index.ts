/**
 * The Kafka actions. `registerKafkaActions` adds them all to a registry; adding an action means
 * one module under `actions/` and one line in {@link KAFKA_ACTIONS}.
 */
import type { ActionRegistry } from '../registry.ts';
import type { Action } from '../types.ts';
import { consumerGroupLag } from './actions/consumer-group-lag.ts';
import { cutRetention } from './actions/cut-retention.ts';
import { describeCluster } from './actions/describe-cluster.ts';
import { logDirUsage } from './actions/log-dir-usage.ts';
import { partitionReassignments } from './actions/partition-reassignments.ts';
import { removeClientQuota } from './actions/remove-client-quota.ts';
import { setClientQuota } from './actions/set-client-quota.ts';
import { setReplicationThrottle } from './actions/set-replication-throttle.ts';
import { setTopicConfig } from './actions/set-topic-config.ts';
import { throttleProducers } from './actions/throttle-producers.ts';
import { underReplicatedPartitions } from './actions/under-replicated-partitions.ts';

export const KAFKA_ACTIONS: readonly Action[] = [
  describeCluster,
  underReplicatedPartitions,
  consumerGroupLag,
  logDirUsage,
  partitionReassignments,
  setClientQuota,
  throttleProducers,
  removeClientQuota,
  setTopicConfig,
  cutRetention,
  setReplicationThrottle,
] as Action[];

export function registerKafkaActions(registry: ActionRegistry): ActionRegistry {
  for (const action of KAFKA_ACTIONS) registry.register(action);
  return registry;
}
