/**
 * The running local cluster behind {@link Cluster}: owns the node processes it spawned (or
 * reattached to by pid), checks readiness, stops and restarts nodes, and keeps the state file
 * current so another process can reattach.
 */
import type { ChildProcess } from 'node:child_process';
import { FirebreakError, toFirebreakError } from '../../src/errors.ts';
import { parseKafkaVersion, type KafkaVersion } from './classpath.ts';
import type { BrokerInfo, Cluster, ClusterLogger } from './cluster.ts';
import { javaArgs, nodePaths, type NodePaths } from './node-config.ts';
import { isProcessRunning, spawnJava, tailFile, terminate } from './process.ts';
import { removeState, writeState, type ClusterState, type NodeState } from './state.ts';
import { fetchMetadata } from './wire.ts';

/** Default bound on waiting for nodes to serve. */
export const SERVE_TIMEOUT_MS = 120_000;

export class LocalCluster implements Cluster {
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
    return this.#state.nodes.map(({ nodeId, port, controllerPort, metricsPort }) => ({
      nodeId,
      port,
      controllerPort,
      metricsPort: metricsPort ?? null,
      pid: this.#isAlive(nodeId) ? this.#node(nodeId).pid : null,
    }));
  }

  /** Starts the JVM of one node (its storage must be formatted) and records its pid. */
  async spawnNode(nodeId: number): Promise<void> {
    const paths = this.#paths(nodeId);
    const node = this.#node(nodeId);
    const agent =
      this.#state.jmxExporter === undefined || node.metricsPort === undefined ? undefined : { ...this.#state.jmxExporter, port: node.metricsPort };
    const child = spawnJava({
      classpath: this.#classpath,
      args: javaArgs(this.#version.logging, paths, 'kafka.Kafka', [paths.properties], agent),
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

  /**
   * Kills every node at once. A clean shutdown would buy nothing: `startCluster` always formats
   * fresh storage, and nodes stopped together wait ~5 s each for a quorum that is going away.
   */
  async stop(): Promise<void> {
    await Promise.all(this.#state.nodes.map((n) => this.#terminate(n.nodeId, 'SIGKILL')));
    for (const n of this.#state.nodes) n.pid = null;
    await removeState(this.#dir);
  }

  /** SIGTERM gets a 10 s grace for the node's controlled shutdown, then SIGKILL. */
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
