/**
 * Kafka for integration tests: ONE real 3-broker cluster per test run, started lazily by the
 * first test that asks for it, stopped by the global teardown in kafka-global.ts. Tests that do
 * not call {@link useKafka} never pay for a cluster.
 *
 * Environment:
 *   FIREBREAK_TEST_KAFKA_VERSION  Kafka release to start (default 3.9.1; CI also runs 4.1.2)
 *   FIREBREAK_TEST_BROKERS        bootstrap servers of an already running cluster to use instead
 *
 * ```ts
 * let kafka: Cluster;
 * before(async function () {
 *   this.timeout(180_000);
 *   kafka = await useKafka();
 * });
 * it('...', async () => {
 *   const topic = await createTopic(kafka, { partitions: 3 });
 * });
 * ```
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirebreakError, toFirebreakError } from '../../src/errors.ts';
import { DEFAULT_KAFKA_VERSION, startCluster, type BrokerInfo, type Cluster } from '../../scripts/kafka/cluster.ts';
import { createTopics, fetchMetadata, parseBootstrap, type Metadata } from '../../scripts/kafka/wire.ts';

export type { Cluster } from '../../scripts/kafka/cluster.ts';

/** The Kafka release the tests run against. */
export function testKafkaVersion(): string {
  return process.env['FIREBREAK_TEST_KAFKA_VERSION'] ?? DEFAULT_KAFKA_VERSION;
}

let shared: Promise<Cluster> | undefined;
let sharedDir: string | undefined;

/**
 * The run's shared cluster: started on first call (3 brokers, in a temp dir), the same promise
 * afterwards. Call it from a `before()` hook with a generous timeout (a cold start takes 15-30 s,
 * more if Maven must download the jars first).
 */
export function useKafka(): Promise<Cluster> {
  shared ??= startShared();
  return shared;
}

async function startShared(): Promise<Cluster> {
  const external = process.env['FIREBREAK_TEST_BROKERS'];
  if (external !== undefined && external.trim() !== '') return attachExternal(external);
  sharedDir = await mkdtemp(join(tmpdir(), 'firebreak-kafka-'));
  const version = testKafkaVersion();
  return startCluster({
    dir: sharedDir,
    brokers: 3,
    version,
    // Generous: several test runs may share this machine's cores.
    startTimeoutMs: 180_000,
    logger: { info: (msg) => process.stderr.write(`      [kafka] ${msg}\n`) },
  });
}

/**
 * Stops the shared cluster if this run started one and removes its directory (kept when the
 * cluster failed to start, so its logs can be read).
 */
export async function stopKafka(): Promise<void> {
  const pending = shared;
  shared = undefined;
  if (pending === undefined) return;
  const cluster = await pending.catch(() => null);
  if (cluster === null) return;
  if (cluster.managed) await cluster.stop();
  if (sharedDir !== undefined) await rm(sharedDir, { recursive: true, force: true });
  sharedDir = undefined;
}

let counter = 0;

/**
 * A name no other test (or concurrent test run) uses: prefix, pid, a counter and random bytes.
 * Valid as a topic, group or client id.
 */
export function uniqueName(prefix = 'test'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${randomBytes(4).toString('hex')}`;
}

export interface CreateTopicOptions {
  /** Name prefix; the name is made unique with {@link uniqueName}. Default 'topic'. */
  prefix?: string;
  /** Default 1. */
  partitions?: number;
  /** Default: the cluster's default (3 on the 3-broker test cluster). */
  replicationFactor?: number;
  /** Topic configs, e.g. `{ 'retention.ms': '60000' }`. */
  configs?: Record<string, string>;
}

/**
 * Creates a uniquely named topic and resolves with its name once every serving broker knows it
 * and every partition has a leader, so producers can use it right away.
 */
export async function createTopic(cluster: Cluster, options: CreateTopicOptions = {}): Promise<string> {
  const name = uniqueName(options.prefix ?? 'topic');
  const partitions = options.partitions ?? 1;
  const spec = {
    name,
    partitions,
    ...(options.replicationFactor === undefined ? {} : { replicationFactor: options.replicationFactor }),
    ...(options.configs === undefined ? {} : { configs: options.configs }),
  };
  await onAnyBroker(cluster, (address) => createTopics(address, [spec]));
  await waitForTopic(cluster, name, partitions);
  return name;
}

/** Resolves once every serving broker lists `topic` with `partitions` partitions, all led. */
export async function waitForTopic(cluster: Cluster, topic: string, partitions: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const addresses = servingAddresses(cluster);
    const ready = await Promise.all(
      addresses.map(async (address) => {
        const md: Metadata | null = await fetchMetadata(address, [topic]).catch((err: unknown) => {
          last = toFirebreakError(err).message;
          return null;
        });
        const t = md?.topics.find((x) => x.name === topic);
        const ok =
          t !== undefined &&
          t.errorCode === 0 &&
          t.partitions.length === partitions &&
          t.partitions.every((p) => p.errorCode === 0 && p.leader >= 0);
        if (!ok && md !== null) last = `${address.port}: ${JSON.stringify(t ?? 'topic not listed')}`;
        return ok;
      }),
    );
    if (ready.every(Boolean)) return;
    if (Date.now() >= deadline) {
      throw new FirebreakError('KAFKA_LOCAL_TOPIC_TIMEOUT', `topic ${topic} not ready within ${timeoutMs} ms: ${last}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Client addresses of the brokers that should answer now (stopped nodes excluded). */
function servingAddresses(cluster: Cluster): Array<{ host: string; port: number }> {
  if (!cluster.managed) return parseBootstrap(cluster.bootstrapServers);
  return cluster.brokers.filter((b) => b.pid !== null).map((b) => ({ host: '127.0.0.1', port: b.port }));
}

/** Runs `fn` against the first serving broker that is reachable. */
async function onAnyBroker<T>(cluster: Cluster, fn: (address: { host: string; port: number }) => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (const address of servingAddresses(cluster)) {
    try {
      return await fn(address);
    } catch (err) {
      if (!(err instanceof FirebreakError && err.code === 'KAFKA_LOCAL_UNREACHABLE')) throw err;
      lastError = err;
    }
  }
  throw toFirebreakError(lastError ?? new Error('no broker'), 'KAFKA_LOCAL_UNREACHABLE');
}

/** A cluster started elsewhere (FIREBREAK_TEST_BROKERS): usable, but not stoppable from here. */
async function attachExternal(bootstrapServers: string): Promise<Cluster> {
  const addresses = parseBootstrap(bootstrapServers);
  const deadline = Date.now() + 30_000;
  let md: Metadata | undefined;
  let lastError: unknown;
  while (md === undefined) {
    for (const address of addresses) {
      md = await fetchMetadata(address, []).catch((err: unknown) => {
        lastError = err;
        return undefined;
      });
      if (md !== undefined) break;
    }
    if (md === undefined && Date.now() >= deadline) {
      throw new FirebreakError(
        'KAFKA_LOCAL_UNREACHABLE',
        `FIREBREAK_TEST_BROKERS=${bootstrapServers}: no broker answered within 30 s (${toFirebreakError(lastError).message})`,
        { retriable: true },
      );
    }
    if (md === undefined) await new Promise((r) => setTimeout(r, 500));
  }
  const brokers: BrokerInfo[] = md.brokers.map((b) => ({ nodeId: b.nodeId, port: b.port, controllerPort: -1, metricsPort: null, pid: null }));
  const notManaged = (): Promise<never> =>
    Promise.reject(
      new FirebreakError('KAFKA_LOCAL_NOT_MANAGED', 'the external cluster (FIREBREAK_TEST_BROKERS) cannot be stopped or started from the tests'),
    );
  return {
    version: process.env['FIREBREAK_TEST_KAFKA_VERSION'] ?? 'external',
    clusterId: md.clusterId ?? '',
    bootstrapServers,
    brokers,
    managed: false,
    stopBroker: notManaged,
    startBroker: notManaged,
    waitUntilServing: async () => undefined,
    stop: async () => undefined,
  };
}

/** The Strimzi quota plugin from Maven Central: a real custom `client.quota.callback.class`. */
export const STRIMZI_QUOTA_PLUGIN = 'io.strimzi:kafka-quotas-plugin:0.3.1';
export const STRIMZI_QUOTA_CALLBACK = 'io.strimzi.kafka.quotas.StaticQuotaCallback';

/**
 * A 1-broker cluster of the tested Kafka version (its own, not the shared one) whose broker runs
 * the Strimzi quota plugin as its `client.quota.callback.class`. `dispose()` stops it and removes
 * its directory.
 */
export async function startQuotaCallbackCluster(): Promise<{ cluster: Cluster; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'firebreak-kafka-callback-'));
  const cluster = await startCluster({
    dir,
    brokers: 1,
    version: testKafkaVersion(),
    startTimeoutMs: 180_000,
    extraArtifacts: [STRIMZI_QUOTA_PLUGIN],
    brokerProperties: ({ bootstrapServers }) => ({
      'client.quota.callback.class': STRIMZI_QUOTA_CALLBACK,
      // The plugin's own admin client reads the cluster's disk usage from here.
      'client.quota.callback.static.kafka.admin.bootstrap.servers': bootstrapServers,
    }),
    logger: { info: (msg) => process.stderr.write(`      [kafka+callback] ${msg}\n`) },
  });
  return {
    cluster,
    dispose: async () => {
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
