/**
 * The consumer lag exporter of the pipeline: kafka-overwatch (PyPI), installed by
 * scripts/lag-exporter/install.sh into .cache/lag-exporter/venv and run through
 * scripts/lag-exporter/run.py so that it serves on a free port of 127.0.0.1. It lists the
 * cluster's consumer groups and their committed offsets through the admin API every scan and
 * serves `consumer_group_lag{cluster, consumer_group, topic_name}` (messages, summed over the
 * topic's partitions). Why this exporter: docs/alertmanager.md#consumer-lag-exporter.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../kafka/classpath.ts';
import { onFreePort, startDaemon, type Daemon } from './daemon.ts';

export const LAG_EXPORTER_VENV = join(REPO_ROOT, '.cache', 'lag-exporter', 'venv');
const LAUNCHER = join(REPO_ROOT, 'scripts', 'lag-exporter', 'run.py');

export interface LagExporter {
  /** `127.0.0.1:<port>`, the scrape target. */
  target: string;
  daemon: Daemon;
  stop(): Promise<void>;
}

export interface LagExporterOptions {
  dir: string;
  /** The `cluster` label the exporter puts on its series: the name the alert rules and runbooks see. */
  cluster: string;
  bootstrapServers: string;
  /** Seconds between two scans of the cluster's groups; kafka-overwatch accepts 10 and more. Default 10. */
  scanIntervalSeconds?: number;
}

/** The kafka-overwatch configuration for one cluster. */
export function renderLagExporterConfig(options: LagExporterOptions, reportsDir: string): string {
  return [
    'global:',
    `  cluster_scan_interval_in_seconds: ${options.scanIntervalSeconds ?? 10}`,
    'clusters:',
    `  ${options.cluster}:`,
    '    cluster_config:',
    '      kafka:',
    `        bootstrap.servers: "${options.bootstrapServers}"`,
    // The per-cluster interval: kafka-overwatch ignores the global one when this is absent (60 s).
    `    cluster_scan_interval_in_seconds: ${options.scanIntervalSeconds ?? 10}`,
    '    reporting_config:',
    // Its reports are not used; the longest period keeps it from writing them.
    '      evaluation_period_in_seconds: 86400',
    '      exports:',
    `        local: "${reportsDir}"`,
    '    metrics:',
    '      prometheus:',
    '        enabled: true',
    '',
  ].join('\n');
}

/**
 * Installs the exporter into {@link LAG_EXPORTER_VENV} unless it is there already (a minute or
 * two, once per machine; .ci/run does it ahead of the tests).
 */
export async function installLagExporter(log: (msg: string) => void = () => undefined): Promise<void> {
  const child = spawn('bash', [join(REPO_ROOT, 'scripts', 'lag-exporter', 'install.sh')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    log(chunk.toString('utf8').trim());
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`installing the consumer lag exporter failed (scripts/lag-exporter/install.sh, exit ${code}):\n${output}`);
}

/** Starts the exporter (installing it first if needed) and resolves once its /metrics answers. */
export async function startLagExporter(options: LagExporterOptions & { log?: (msg: string) => void }): Promise<LagExporter> {
  await installLagExporter(options.log);
  const python = join(LAG_EXPORTER_VENV, 'bin', 'python');
  if (!existsSync(python)) throw new Error(`the consumer lag exporter is not installed in ${LAG_EXPORTER_VENV}`);
  if (!/^[A-Za-z0-9_-]+$/.test(options.cluster)) throw new Error(`cluster name ${options.cluster}: kafka-overwatch accepts letters, digits, - and _ only`);
  await mkdir(options.dir, { recursive: true });
  const configFile = join(options.dir, 'overwatch.yaml');
  await writeFile(configFile, renderLagExporterConfig(options, join(options.dir, 'reports')));
  return onFreePort(async (port) => {
    const daemon = await startDaemon({
      name: 'kafka-overwatch (consumer lag exporter)',
      command: python,
      args: [LAUNCHER, '--listen', `127.0.0.1:${port}`, '-c', configFile],
      cwd: options.dir,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: options.dir, PYTHONUNBUFFERED: '1' },
      logFile: join(options.dir, 'lag-exporter.log'),
      readyUrl: `http://127.0.0.1:${port}/metrics`,
    });
    return { target: `127.0.0.1:${port}`, daemon, stop: () => daemon.stop() };
  });
}
