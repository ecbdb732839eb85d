/**
 * A real Alertmanager (the Debian `prometheus-alertmanager` package): the configuration it is
 * given in a directory of the caller's, a free port on 127.0.0.1, no clustering unless `cluster`
 * makes it one of an HA pair, readiness awaited, and a stop that waits for the process to exit.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePorts } from '../kafka/process.ts';
import { onFreePort, startDaemon } from './daemon.ts';

/** Binary names the package has used; the first found on PATH is run. */
const BINARIES = ['prometheus-alertmanager', 'alertmanager'];

export function findAlertmanager(): string {
  for (const name of BINARIES) {
    if (spawnSync('sh', ['-c', `command -v ${name}`]).status === 0) return name;
  }
  throw new Error(`Alertmanager not found (tried ${BINARIES.join(', ')}); install the prometheus-alertmanager package (scripts/ci-deps.sh)`);
}

/** A port the OS reports free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}

export interface ClusterOptions {
  /** This peer's gossip port on 127.0.0.1. */
  port: number;
  /** The other peers' gossip ports. */
  peers: number[];
}

export interface Alertmanager {
  url: string;
  /** Posts alerts to Alertmanager's v2 API, as Prometheus does. */
  pushAlerts(alerts: Array<Record<string, unknown>>): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

export async function startAlertmanager(options: { dir: string; config: string; cluster?: ClusterOptions }): Promise<Alertmanager> {
  const binary = findAlertmanager();
  await mkdir(options.dir, { recursive: true });
  const configFile = join(options.dir, 'alertmanager.yml');
  await writeFile(configFile, options.config);
  return onFreePort(async (port) => {
    const url = `http://127.0.0.1:${port}`;
    const daemon = await startDaemon({
      name: 'Alertmanager',
      command: binary,
      args: [
        `--config.file=${configFile}`,
        `--storage.path=${join(options.dir, 'alertmanager-data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        ...(options.cluster === undefined
          ? ['--cluster.listen-address=']
          : [
              `--cluster.listen-address=127.0.0.1:${options.cluster.port}`,
              `--cluster.advertise-address=127.0.0.1:${options.cluster.port}`,
              ...options.cluster.peers.map((p) => `--cluster.peer=127.0.0.1:${p}`),
            ]),
        '--log.level=debug',
      ],
      logFile: join(options.dir, 'alertmanager.log'),
      readyUrl: `${url}/-/ready`,
      readyTimeoutMs: 30_000,
    });
    return {
      url,
      async pushAlerts(alerts) {
        const response = await fetch(`${url}/api/v2/alerts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(alerts),
        });
        if (!response.ok) throw new Error(`Alertmanager refused the alerts: ${response.status} ${await response.text()}`);
      },
      output: () => daemon.output(),
      stop: () => daemon.stop(),
    };
  });
}
