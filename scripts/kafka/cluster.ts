/**
 * A real Kafka cluster on demand: 1 to 5 combined KRaft nodes (broker + controller) on
 * 127.0.0.1, run from Maven Central jars with `java`, each on free ports picked at start so
 * several clusters can run side by side. Used by `npm run kafka` and by the test suite.
 *
 * ```ts
 * const cluster = await startCluster({ dir, brokers: 3, version: '3.9.1' });
 * // ... clients use cluster.bootstrapServers ...
 * await cluster.stop();
 * ```
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FirebreakError } from '../../src/errors.ts';
import {
  checkJava,
  parseKafkaVersion,
  readClasspathFile,
  resolveClasspath,
  type KafkaVersion,
} from './classpath.ts';
import { LocalCluster } from './local-cluster.ts';
import {
  javaArgs,
  newClusterId,
  nodePaths,
  renderLoggingConfig,
  renderServerProperties,
  type JmxExporter,
  type NodePaths,
  type NodePorts,
} from './node-config.ts';
import { freePorts, runJava } from './process.ts';
import { readState, removeState, type ClusterState } from './state.ts';

/** The Kafka version used when none is asked for. */
export const DEFAULT_KAFKA_VERSION = '3.9.1';

/** Progress messages (the CLI prints them on stderr); pino's logger fits too. */
export interface ClusterLogger {
  info(msg: string): void;
}

export interface BrokerInfo {
  nodeId: number;
  /** PLAINTEXT port clients connect to. */
  port: number;
  /** The controller quorum's port; not for clients. -1 when unknown (external cluster). */
  controllerPort: number;
  /** Where the node's JMX exporter agent serves `/metrics` on 127.0.0.1; null without the agent. */
  metricsPort: number | null;
  /** Pid of the running JVM; null while the node is stopped. */
  pid: number | null;
}

/** A running local cluster, or an external one the tests were pointed at. */
export interface Cluster {
  readonly version: string;
  readonly clusterId: string;
  /** Comma-separated `127.0.0.1:port` list of every node's client listener. */
  readonly bootstrapServers: string;
  /** A fresh snapshot on every read (pids change when a node restarts). */
  readonly brokers: readonly BrokerInfo[];
  /** false for an external cluster: its nodes cannot be stopped or started from here. */
  readonly managed: boolean;
  /** Stops one node (SIGTERM: clean shutdown; SIGKILL: a crash) and waits for its exit. */
  stopBroker(nodeId: number, options?: { signal?: 'SIGTERM' | 'SIGKILL' }): Promise<void>;
  /** Restarts a stopped node with the same ports and storage; resolves once the cluster serves. */
  startBroker(nodeId: number): Promise<void>;
  /** Resolves once every running node answers Metadata listing every running node. */
  waitUntilServing(options?: { timeoutMs?: number }): Promise<void>;
  /** Kills every node (SIGKILL: the storage is disposable), waits until every process has exited, removes the state file. */
  stop(): Promise<void>;
}

export interface StartClusterOptions {
  /** Kafka release, e.g. '3.9.1' or '4.1.2'. Default {@link DEFAULT_KAFKA_VERSION}. */
  version?: string;
  /** Number of nodes, 1 to 5 (1 and 3 are the tested shapes). Default 1. */
  brokers?: number;
  /** Cluster directory: node configs, data, logs and the state file live here. */
  dir: string;
  logger?: ClusterLogger;
  /** true: nodes outlive this process (the CLI). Default false: they die with it. */
  persistent?: boolean;
  /** Where resolved classpaths are cached. Default `.cache/kafka/` in the repository. */
  cacheDir?: string;
  /** Bound on waiting for the nodes to serve. Default 120 s. */
  startTimeoutMs?: number;
  /**
   * Extra jars on every node's classpath, as Maven coordinates (`group:artifact:version`,
   * resolved with their dependencies): broker plugins such as a client quota callback.
   */
  extraArtifacts?: readonly string[];
  /**
   * Extra lines of every node's server.properties (override the defaults of the same name), or a
   * function of the node's ports giving them (for a plugin that must know the cluster's address).
   */
  brokerProperties?: BrokerProperties | ((node: { nodeId: number; port: number; bootstrapServers: string }) => BrokerProperties);
  /**
   * Attach the Prometheus JMX exporter agent to every node, each serving `/metrics` on a free
   * port of 127.0.0.1 (`BrokerInfo.metricsPort`); see `resolveJmxExporterAgent`.
   */
  jmxExporter?: JmxExporter;
}

export type BrokerProperties = Readonly<Record<string, string | number | boolean>>;

const START_ATTEMPTS = 3;
const silent: ClusterLogger = { info: () => undefined };

/**
 * Starts a fresh cluster in `dir` (removing node directories of an earlier, stopped cluster
 * there) and resolves once every node serves. Fails with KAFKA_LOCAL_ALREADY_RUNNING if a
 * cluster still runs from `dir`; on any other failure every started process is stopped first.
 */
export async function startCluster(options: StartClusterOptions): Promise<Cluster> {
  const started = Date.now();
  const logger = options.logger ?? silent;
  const version = parseKafkaVersion(options.version ?? DEFAULT_KAFKA_VERSION);
  const count = options.brokers ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 5) {
    throw new FirebreakError('KAFKA_LOCAL_BAD_OPTIONS', `brokers must be an integer from 1 to 5, got ${count}`);
  }
  const dir = resolve(options.dir);
  const existing = await attachCluster(dir);
  if (existing !== null && existing.brokers.some((b) => b.pid !== null)) {
    throw new FirebreakError(
      'KAFKA_LOCAL_ALREADY_RUNNING',
      `a Kafka ${existing.version} cluster already runs from ${dir} at ${existing.bootstrapServers}`,
      { details: { dir, bootstrapServers: existing.bootstrapServers } },
    );
  }
  await checkJava();
  const classpath = await resolveClasspath(version, { cacheDir: options.cacheDir, log: (m) => logger.info(m), extras: options.extraArtifacts ?? [] });
  for (let attempt = 1; ; attempt++) {
    const cluster = await prepare(dir, version, count, classpath, options.persistent ?? false, logger, options.brokerProperties ?? {}, options.jmxExporter);
    try {
      for (const n of cluster.state.nodes) await cluster.cluster.spawnNode(n.nodeId);
      await cluster.cluster.waitUntilServing({ timeoutMs: options.startTimeoutMs });
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      logger.info(`Kafka ${version.text}: ${count} node(s) serving in ${seconds} s`);
      return cluster.cluster;
    } catch (err) {
      await cluster.cluster.stop();
      if (attempt < START_ATTEMPTS && (await portConflict(dir, version, cluster.state.nodes))) {
        logger.info('a picked port was taken by another process meanwhile; retrying with new ports');
        continue;
      }
      throw err;
    }
  }
}

/** Writes every node's config with fresh free ports and formats its storage (in parallel). */
async function prepare(
  dir: string,
  version: KafkaVersion,
  count: number,
  classpath: { entries: string[]; file: string },
  persistent: boolean,
  logger: ClusterLogger,
  extraProperties: NonNullable<StartClusterOptions['brokerProperties']>,
  jmxExporter: JmxExporter | undefined,
): Promise<{ cluster: LocalCluster; state: ClusterState }> {
  await mkdir(dir, { recursive: true });
  for (const entry of await readdir(dir)) {
    if (/^node-\d+$/.test(entry)) await rm(join(dir, entry), { recursive: true, force: true });
  }
  await removeState(dir);
  const perNode = jmxExporter === undefined ? 2 : 3;
  const ports = await freePorts(count * perNode);
  const nodes: NodePorts[] = Array.from({ length: count }, (_, i) => ({
    nodeId: i + 1,
    port: ports[perNode * i]!,
    controllerPort: ports[perNode * i + 1]!,
    ...(jmxExporter === undefined ? {} : { metricsPort: ports[perNode * i + 2]! }),
  }));
  const clusterId = newClusterId();
  const bootstrapServers = nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
  logger.info(`formatting ${count} Kafka ${version.text} node(s) in ${dir}`);
  await Promise.all(
    nodes.map(async (node) => {
      const paths = nodePaths(dir, node.nodeId, version.logging);
      await mkdir(paths.logs, { recursive: true });
      await writeFile(paths.properties, renderServerProperties(node, nodes, paths, typeof extraProperties === 'function' ? extraProperties({ nodeId: node.nodeId, port: node.port, bootstrapServers }) : extraProperties));
      await writeFile(paths.loggingConfig, renderLoggingConfig(version.logging, paths));
      await formatStorage(classpath.entries, version, paths, clusterId);
    }),
  );
  const state: ClusterState = {
    format: 1,
    version: version.text,
    clusterId,
    persistent,
    classpathFile: classpath.file,
    startedAt: new Date().toISOString(),
    ...(jmxExporter === undefined ? {} : { jmxExporter }),
    nodes: nodes.map((n) => ({ ...n, pid: null })),
  };
  return { cluster: new LocalCluster(dir, state, classpath.entries, logger), state };
}

async function formatStorage(
  classpath: string[],
  version: KafkaVersion,
  paths: NodePaths,
  clusterId: string,
): Promise<void> {
  const args = javaArgs(version.logging, paths, 'kafka.tools.StorageTool', [
    'format',
    '-t',
    clusterId,
    '-c',
    paths.properties,
  ]);
  const { code, output } = await runJava(classpath, args);
  if (code !== 0) {
    throw new FirebreakError('KAFKA_LOCAL_START_FAILED', `formatting ${paths.data} failed (exit ${code}):\n${output}`, {
      details: { dir: paths.dir },
    });
  }
}

/** Whether a failed start was caused by a port taken between picking and binding it. */
async function portConflict(dir: string, version: KafkaVersion, nodes: readonly NodePorts[]): Promise<boolean> {
  for (const n of nodes) {
    const p = nodePaths(dir, n.nodeId, version.logging);
    for (const file of [p.serverLog, p.consoleLog]) {
      const text = await readFile(file, 'utf8').catch(() => '');
      if (/Address already in use|BindException/.test(text)) return true;
    }
  }
  return false;
}

/**
 * Reattaches to the cluster recorded in `<dir>/cluster.json` (e.g. from the CLI's `stop` and
 * `status`); null if `dir` holds no cluster state. Nodes whose process is gone show `pid: null`.
 */
export async function attachCluster(dir: string, options: { logger?: ClusterLogger } = {}): Promise<Cluster | null> {
  const abs = resolve(dir);
  const state = await readState(abs);
  if (state === null) return null;
  const classpath = await readClasspathFile(state.classpathFile);
  const cluster = new LocalCluster(abs, state, classpath, options.logger ?? silent);
  for (const b of cluster.brokers) {
    const node = state.nodes.find((n) => n.nodeId === b.nodeId);
    if (node !== undefined) node.pid = b.pid;
  }
  return cluster;
}
