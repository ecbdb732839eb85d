/**
 * A real Alertmanager (the Debian `prometheus-alertmanager` package) for end-to-end tests: a
 * generated config in a temp directory, free ports on 127.0.0.1, no clustering unless `cluster`
 * makes it one of an HA pair, readiness awaited, and a stop that waits for the process to exit.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

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
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Alertmanager {
  url: string;
  /** Posts alerts to Alertmanager's v2 API, as Prometheus does. */
  pushAlerts(alerts: Array<Record<string, unknown>>): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** This peer's gossip port on 127.0.0.1. */
  port: number;
  /** The other peers' gossip ports. */
  peers: number[];
}

export async function startAlertmanager(options: { dir: string; config: string; cluster?: ClusterOptions }): Promise<Alertmanager> {
  const binary = findAlertmanager();
  const configFile = join(options.dir, 'alertmanager.yml');
  await writeFile(configFile, options.config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    binary,
    [
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
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.on('exit', () => {
      exited = true;
      resolve();
    }),
  );

  const stop = async () => {
    if (!exited) child.kill('SIGTERM');
    await exit;
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`Alertmanager exited at start:\n${output}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Alertmanager not ready within 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

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
    output: () => output,
    stop,
  };
}
