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
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FirebreakError, toFirebreakError } from '../../src/errors.ts';
import { checkJava, parseKafkaVersion, resolveClasspath, type KafkaVersion } from './classpath.ts';
import {
  javaArgs,
  newClusterId,
  nodePaths,
  renderLoggingConfig,
  renderServerProperties,
  type NodePaths,
  type NodePorts,
} from './node-config.ts';
import { freePorts, isProcessRunning, spawnJava, tailFile, terminate } from './process.ts';
import { readState, removeState, writeState, type ClusterState, type NodeState } from './state.ts';
import { fetchMetadata } from './wire.ts';

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
  /** Stops every node, waits until every process has exited, removes the state file. */
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
}

const SERVE_TIMEOUT_MS = 120_000;
const START_ATTEMPTS = 3;
const silent: ClusterLogger = { info: () => undefined };

class LocalCluster implements Cluster {
  readonly managed = true;
  readonly #dir: string;
  readonly #state: ClusterState;
  readonly #version: KafkaVersion;
  readonly #classpath: readonly string[];
  readonly #logger: ClusterLogger;
  readonly #children = new Map<number, ChildProcess>();

  constructor(dir: string, state: ClusterState, classpath: readonly string[], logger: ClusterLogger) {
    this.#dir = dir;
    this.#state = state;
    this.#version = parseKafkaVersion(state.version);
    this.#classpath = classpath;
    this.#logger = logger;
  }

  get version(): string {
    return this.#state.version;
  }
  get clusterId(): string {
    return this.#state.clusterId;
  }
  get bootstrapServers(): string {
    return this.#state.nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
  }
  get brokers(): readonly BrokerInfo[] {
    return this.#state.nodes.map(({ nodeId, port, controllerPort }) => ({
      nodeId,
      port,
      controllerPort,
      pid: this.#isAlive(nodeId) ? this.#node(nodeId).pid : null,
    }));
  }

  /** Starts the JVM of one node (its storage must be formatted) and records its pid. */
  async spawnNode(nodeId: number): Promise<void> {
    const paths = this.#paths(nodeId);
    const child = spawnJava({
      classpath: this.#classpath,
      args: javaArgs(this.#version.logging, paths, 'kafka.Kafka', [paths.properties]),
      consoleLog: paths.consoleLog,
      persistent: this.#state.persistent,
    });
    if (child.pid === undefined) {
      throw new FirebreakError('KAFKA_LOCAL_START_FAILED', `could not start java for node ${nodeId}`);
    }
    child.on('error', () => undefined); // surfaced through liveness checks and the console log
    this.#children.set(nodeId, child);
    this.#node(nodeId).pid = child.pid;
    await writeState(this.#dir, this.#state);
  }

  async waitUntilServing(options: { timeoutMs?: number } = {}): Promise<void> {
    const timeoutMs = options.timeoutMs ?? SERVE_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const lastProblem = new Map<number, string>();
    for (;;) {
      const running = this.#state.nodes.filter((n) => n.pid !== null);
      const expected = running.map((n) => n.nodeId).sort();
      const dead = running.filter((n) => !this.#isAlive(n.nodeId));
      if (dead.length > 0) {
        const id = dead[0]!.nodeId;
        throw new FirebreakError(
          'KAFKA_LOCAL_START_FAILED',
          `Kafka node ${id} exited before serving.\n${this.#logTail(id)}`,
          { details: { nodeId: id, dir: this.#paths(id).dir } },
        );
      }
      const checks = await Promise.all(
        running.map(async (n) => {
          try {
            const md = await fetchMetadata({ host: '127.0.0.1', port: n.port }, [], 2000);
            const seen = md.brokers.map((b) => b.nodeId).sort();
            if (expected.every((id) => seen.includes(id))) return true;
            lastProblem.set(n.nodeId, `lists brokers [${seen.join(',')}], expected [${expected.join(',')}]`);
          } catch (err) {
            lastProblem.set(n.nodeId, toFirebreakError(err).message);
          }
          return false;
        }),
      );
      if (checks.every(Boolean)) return;
      if (Date.now() >= deadline) {
        const waiting = running.filter((_, i) => checks[i] !== true);
        const report = waiting
          .map((n) => `node ${n.nodeId}: ${lastProblem.get(n.nodeId) ?? 'no answer'}\n${this.#logTail(n.nodeId)}`)
          .join('\n');
        throw new FirebreakError(
          'KAFKA_LOCAL_START_TIMEOUT',
          `Kafka nodes [${waiting.map((n) => n.nodeId).join(',')}] did not serve within ${timeoutMs} ms.\n${report}`,
          { details: { dir: this.#dir, nodes: waiting.map((n) => n.nodeId) } },
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async stopBroker(nodeId: number, options: { signal?: 'SIGTERM' | 'SIGKILL' } = {}): Promise<void> {
    const node = this.#node(nodeId);
    if (node.pid !== null) {
      await this.#terminate(nodeId, options.signal ?? 'SIGTERM');
      node.pid = null;
      await writeState(this.#dir, this.#state);
    }
  }

  async startBroker(nodeId: number): Promise<void> {
    if (!this.#isAlive(nodeId)) {
      this.#logger.info(`starting Kafka node ${nodeId}`);
      await this.spawnNode(nodeId);
    }
    await this.waitUntilServing();
  }

  async stop(): Promise<void> {
    await Promise.all(this.#state.nodes.map((n) => this.#terminate(n.nodeId, 'SIGTERM')));
    for (const n of this.#state.nodes) n.pid = null;
    await removeState(this.#dir);
  }

  /**
   * SIGTERM gets a short grace: nodes stopped together may wait on a quorum that is going away,
   * and a local cluster has nothing worth a long controlled shutdown.
   */
  async #terminate(nodeId: number, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const pid = this.#node(nodeId).pid;
    if (pid === null) return;
    try {
      await terminate(pid, () => this.#isAlive(nodeId), { signal, graceMs: 10_000 });
    } catch (cause) {
      throw new FirebreakError('KAFKA_LOCAL_STOP_FAILED', `Kafka node ${nodeId} (pid ${pid}) did not exit`, {
        cause,
        details: { nodeId, pid },
      });
    }
    this.#children.delete(nodeId);
  }

  #isAlive(nodeId: number): boolean {
    const child = this.#children.get(nodeId);
    if (child !== undefined) return child.exitCode === null && child.signalCode === null;
    const pid = this.#node(nodeId).pid;
    return pid !== null && isProcessRunning(pid, ['kafka.Kafka', this.#paths(nodeId).properties]);
  }

  #node(nodeId: number): NodeState {
    const node = this.#state.nodes.find((n) => n.nodeId === nodeId);
    if (node === undefined) {
      throw new FirebreakError('KAFKA_LOCAL_UNKNOWN_NODE', `no node ${nodeId} in this cluster`, {
        details: { nodeId, nodes: this.#state.nodes.map((n) => n.nodeId) },
      });
    }
    return node;
  }

  #paths(nodeId: number): NodePaths {
    return nodePaths(this.#dir, nodeId, this.#version.logging);
  }

  #logTail(nodeId: number): string {
    const p = this.#paths(nodeId);
    const server = tailFile(p.serverLog, 30);
    const stdout = tailFile(p.consoleLog, 10);
    return [
      `--- ${p.serverLog} (last lines) ---`,
      server === '' ? '(empty)' : server,
      ...(stdout === '' ? [] : [`--- ${p.consoleLog} ---`, stdout]),
    ].join('\n');
  }
}

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
  const classpath = await resolveClasspath(version, { cacheDir: options.cacheDir, log: (m) => logger.info(m) });
  for (let attempt = 1; ; attempt++) {
    const cluster = await prepare(dir, version, count, classpath, options.persistent ?? false, logger);
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
): Promise<{ cluster: LocalCluster; state: ClusterState }> {
  await mkdir(dir, { recursive: true });
  for (const entry of await readdir(dir)) {
    if (/^node-\d+$/.test(entry)) await rm(join(dir, entry), { recursive: true, force: true });
  }
  await removeState(dir);
  const ports = await freePorts(count * 2);
  const nodes: NodePorts[] = Array.from({ length: count }, (_, i) => ({
    nodeId: i + 1,
    port: ports[2 * i]!,
    controllerPort: ports[2 * i + 1]!,
  }));
  const clusterId = newClusterId();
  logger.info(`formatting ${count} Kafka ${version.text} node(s) in ${dir}`);
  await Promise.all(
    nodes.map(async (node) => {
      const paths = nodePaths(dir, node.nodeId, version.logging);
      await mkdir(paths.logs, { recursive: true });
      await writeFile(paths.properties, renderServerProperties(node, nodes, paths));
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
    nodes: nodes.map((n) => ({ ...n, pid: null })),
  };
  return { cluster: new LocalCluster(dir, state, classpath.entries, logger), state };
}

function formatStorage(classpath: string[], version: KafkaVersion, paths: NodePaths, clusterId: string): Promise<void> {
  const args = javaArgs(version.logging, paths, 'kafka.tools.StorageTool', [
    'format',
    '-t',
    clusterId,
    '-c',
    paths.properties,
  ]);
  return new Promise((resolvePromise, reject) => {
    const child = spawn('java', args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CLASSPATH: classpath.join(':') },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise();
      else
        reject(
          new FirebreakError('KAFKA_LOCAL_START_FAILED', `formatting ${paths.data} failed (exit ${code}):\n${output}`, {
            details: { dir: paths.dir },
          }),
        );
    });
  });
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
  const classpath = await readFile(state.classpathFile, 'utf8').then(
    (t) => t.trim().split(':').filter((e) => e.length > 0),
    () => [] as string[],
  );
  const cluster = new LocalCluster(abs, state, classpath, options.logger ?? silent);
  for (const b of cluster.brokers) {
    const node = state.nodes.find((n) => n.nodeId === b.nodeId);
    if (node !== undefined) node.pid = b.pid;
  }
  return cluster;
}
