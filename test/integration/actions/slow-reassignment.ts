/**
 * A partition reassignment that stays in progress for tests of reassignment evidence and
 * throttles (kafkajs's admin starts it: firebreak itself never moves partitions).
 */
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaAdmin } from '../../../src/actions/kafka/types.ts';
import { eventually } from '../../support/eventually.ts';
import type { Cluster } from '../../support/kafka.ts';
import { SETTLED, accepting, configsSettled } from './harness.ts';

const RATE_KEYS = ['leader.replication.throttled.rate', 'follower.replication.throttled.rate'];

/**
 * Starts a reassignment that stays in progress: `topic` (one partition, one replica, a few MB)
 * gets a second replica while replication to it is throttled to 1 KB/s. `finish()` lifts the
 * throttle and waits until the move completed, so the shared cluster is left as found.
 */
export async function slowReassignment(cluster: Cluster, admin: KafkaAdmin, topic: string): Promise<{ target: number; finish(): Promise<void> }> {
  const [meta] = await admin.describeTopics([topic]);
  const current = meta?.partitions[0]?.replicas ?? [];
  const ids = (await admin.describeCluster()).brokers.map((b) => b.nodeId);
  const target = ids.find((id) => !current.includes(id)) as number;
  const throttled = [...current, target];
  for (const id of throttled) {
    await admin.incrementalAlterConfigs({ type: 'broker', name: String(id) }, RATE_KEYS.map((name) => ({ name, op: 'set' as const, value: '1024' })));
  }
  await admin.incrementalAlterConfigs({ type: 'topic', name: topic }, [
    { name: 'leader.replication.throttled.replicas', op: 'set', value: '*' },
    { name: 'follower.replication.throttled.replicas', op: 'set', value: '*' },
  ]);
  for (const id of throttled) await configsSettled(admin, 'broker', String(id), { 'leader.replication.throttled.rate': '1024', 'follower.replication.throttled.rate': '1024' }, RATE_KEYS);
  const kafkajsAdmin = new Kafka({ brokers: cluster.bootstrapServers.split(','), clientId: 'firebreak-test-reassign', logLevel: logLevel.NOTHING }).admin();
  await kafkajsAdmin.connect();
  try {
    await kafkajsAdmin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: [...current, target] }] }] });
  } finally {
    await kafkajsAdmin.disconnect();
  }
  return {
    target,
    async finish() {
      for (const id of throttled) {
        await admin.incrementalAlterConfigs({ type: 'broker', name: String(id) }, RATE_KEYS.map((name) => ({ name, op: 'delete' as const })));
      }
      await eventually(
        accepting(() => admin.listPartitionReassignments([topic]), (r) => r.length === 0),
        { ...SETTLED, what: `reassignment of ${topic} to finish`, timeoutMs: 60_000 },
      );
    },
  };
}

