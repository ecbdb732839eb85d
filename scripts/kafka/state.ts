/**
 * The state file of a local cluster (`<dir>/cluster.json`): everything needed to reattach to a
 * running cluster from another process (the CLI's `stop`/`status`) or restart one of its nodes.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FirebreakError } from '../../src/errors.ts';
import type { JmxExporter, NodePorts } from './node-config.ts';

export interface NodeState extends NodePorts {
  /** Process id of the running JVM, null while the node is stopped. */
  pid: number | null;
}

export interface ClusterState {
  format: 1;
  version: string;
  clusterId: string;
  /** Whether the JVMs outlive the process that started them (CLI) or die with it (tests). */
  persistent: boolean;
  /** The cached classpath file the nodes run with. */
  classpathFile: string;
  startedAt: string;
  /** The JMX exporter agent every node runs with (its port is each node's `metricsPort`). */
  jmxExporter?: JmxExporter;
  nodes: NodeState[];
}

export function stateFile(dir: string): string {
  return join(dir, 'cluster.json');
}

/** Reads the state file; null if there is none. */
export async function readState(dir: string): Promise<ClusterState | null> {
  const file = stateFile(dir);
  if (!existsSync(file)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (cause) {
    throw new FirebreakError('KAFKA_LOCAL_STATE_INVALID', `${file} is not valid JSON; delete it and retry`, {
      cause,
      details: { file },
    });
  }
  const s = parsed as Partial<ClusterState>;
  if (s.format !== 1 || typeof s.version !== 'string' || !Array.isArray(s.nodes)) {
    throw new FirebreakError('KAFKA_LOCAL_STATE_INVALID', `${file} is not a cluster state file; delete it and retry`, {
      details: { file },
    });
  }
  return s as ClusterState;
}

/** Writes the state file atomically (write + rename), so a reader never sees half a file. */
export async function writeState(dir: string, state: ClusterState): Promise<void> {
  const file = stateFile(dir);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 2) + '\n');
  await rename(tmp, file);
}

export async function removeState(dir: string): Promise<void> {
  await rm(stateFile(dir), { force: true });
}
