/**
 * Helpers for the Kafka module's integration tests (admin-*.test.ts): a firebreak admin on the
 * shared test cluster, a kafkajs producer for test data, and the broker's own
 * `kafka.admin.ConfigCommand` as an independent witness of what firebreak changed.
 *
 * The tests read back what they wrote with `eventually` (test/support/eventually.ts): KRaft
 * brokers apply committed metadata changes asynchronously, so a read right after a write may
 * briefly see the old value.
 */
import { execFile } from 'node:child_process';
import { delimiter } from 'node:path';
import kafkajs from 'kafkajs';
import { parseKafkaVersion, resolveClasspath } from '../../../scripts/kafka/classpath.ts';
import { createKafkaAdmin } from '../../../src/actions/kafka/client.ts';
import { createAdminWithCluster } from '../../../src/actions/kafka/kafkajs-bridge.ts';
import { createRouter, type Router } from '../../../src/actions/kafka/routing.ts';
import type { ConfigEntry, KafkaAdmin, KafkaConnectionOptions } from '../../../src/actions/kafka/types.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import type { Cluster } from '../../support/kafka.ts';

/** A firebreak admin on `cluster`; close it in `after()`. */
export function adminFor(cluster: Cluster, options: Partial<KafkaConnectionOptions> = {}): KafkaAdmin {
  return createKafkaAdmin({ brokers: cluster.bootstrapServers.split(','), clientId: 'firebreak-test', ...options }, { logger: silentLogger() });
}

/**
 * firebreak's protocol router over a connected kafkajs admin on `cluster`, for tests that speak
 * the Kafka protocol below the admin; `close()` it in `after()`.
 */
export async function routerFor(cluster: Cluster): Promise<{ router: Router; close: () => Promise<void> }> {
  const kafka = new kafkajs.Kafka({ brokers: cluster.bootstrapServers.split(','), logLevel: kafkajs.logLevel.NOTHING });
  const { admin, cluster: connected } = createAdminWithCluster(kafka, { retries: 2 });
  await admin.connect();
  return { router: createRouter(connected, 10_000), close: () => admin.disconnect() };
}

/** Produces `count` records of `size` bytes to `topic` (acks all), then disconnects. */
export async function produce(cluster: Cluster, topic: string, count: number, size = 1024, partition?: number): Promise<void> {
  const kafka = new kafkajs.Kafka({ brokers: cluster.bootstrapServers.split(','), clientId: 'firebreak-test-producer', logLevel: kafkajs.logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const value = Buffer.alloc(size, 0x61);
    const messages = Array.from({ length: count }, (_, i) => ({ key: String(i), value, ...(partition === undefined ? {} : { partition }) }));
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

/** Commits offsets for `groupId` (a group without members) through kafkajs's admin. */
export async function commitOffsets(cluster: Cluster, groupId: string, topic: string, partitions: Array<{ partition: number; offset: string }>): Promise<void> {
  const kafka = new kafkajs.Kafka({ brokers: cluster.bootstrapServers.split(','), clientId: 'firebreak-test-committer', logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.setOffsets({ groupId, topic, partitions });
  } finally {
    await admin.disconnect();
  }
}

/** Runs Kafka's own ConfigCommand (kafka-configs.sh) against the cluster; resolves with stdout. */
export async function configCommand(cluster: Cluster, args: string[]): Promise<string> {
  const { entries } = await resolveClasspath(parseKafkaVersion(cluster.version));
  const bootstrap = cluster.bootstrapServers.split(',')[0] as string;
  return new Promise((resolve, reject) => {
    execFile(
      'java',
      ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-cp', entries.join(delimiter), 'kafka.admin.ConfigCommand', '--bootstrap-server', bootstrap, ...args],
      { timeout: 60_000 },
      (error, stdout, stderr) => (error ? reject(new Error(`ConfigCommand ${args.join(' ')} failed: ${stderr}`, { cause: error })) : resolve(stdout)),
    );
  });
}

/** name -> value of the configs set dynamically on the resource itself. */
export function dynamicOf(entries: ConfigEntry[]): Record<string, string | null> {
  return Object.fromEntries(entries.filter((e) => e.isDynamic).map((e) => [e.name, e.value]));
}
