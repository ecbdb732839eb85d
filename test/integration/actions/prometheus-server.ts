/**
 * A real Prometheus for integration tests: the `prometheus` binary (Debian package, see
 * scripts/ci-deps.sh) started on a free port with a temp data dir, scraping a static target the
 * test serves every second. {@link startPrometheus} resolves once Prometheus is ready AND has
 * scraped the target once, so a query right after sees the served series.
 *
 * The served exposition text can be changed at any time ({@link MetricsTarget.serve}); use
 * {@link PrometheusServer.awaitValue} to wait until Prometheus has scraped the change.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../support/eventually.ts';

export interface MetricsTarget {
  /** Replaces the exposition text served on /metrics. */
  serve(text: string): void;
  scrapes(): number;
}

export interface PrometheusServer {
  url: string;
  target: MetricsTarget;
  /** Polls an instant query until its single value equals `value` (bounded). */
  awaitValue(query: string, value: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function instant(url: string, query: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { data?: { result?: Array<{ metric: Record<string, string>; value: [number, string] }> } };
  return body.data?.result ?? [];
}

export async function startPrometheus(initialText: string): Promise<PrometheusServer> {
  let text = initialText;
  let scrapes = 0;
  const metrics: Server = createServer((req, res) => {
    if (req.url?.startsWith('/metrics') === true) scrapes += 1;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(text);
  });
  await new Promise<void>((resolve) => metrics.listen(0, '127.0.0.1', resolve));
  const targetPort = (metrics.address() as AddressInfo).port;

  const dir = await mkdtemp(join(tmpdir(), 'firebreak-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(
    configFile,
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 900ms',
      'scrape_configs:',
      '  - job_name: firebreak-test',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${targetPort}']`,
      "        labels: { cluster: 'test' }",
      '',
    ].join('\n'),
  );

  let child: ChildProcess | undefined;
  let url = '';
  let stderr = '';
  // The free port is only free until someone takes it: retry on another one if Prometheus cannot bind.
  for (let attempt = 0; attempt < 3 && child === undefined; attempt++) {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const proc = spawn('prometheus', [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, `data-${attempt}`)}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4_000);
    });
    let exited = false;
    proc.once('exit', () => (exited = true));
    // A refused connection while Prometheus starts is "not yet".
    const outcome = await waitFor(
      'prometheus readiness',
      async () => {
        if (exited) return 'exited';
        return (await fetch(`${url}/-/ready`).catch(() => undefined))?.status === 200 ? 'ready' : undefined;
      },
      { timeoutMs: 30_000 },
    ).catch(() => 'not ready');
    if (outcome === 'ready') child = proc;
    else if (!exited) {
      const gone = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await gone;
    }
  }
  if (child === undefined) {
    metrics.close();
    await rm(dir, { recursive: true, force: true });
    throw new Error(`prometheus did not start: ${stderr}`);
  }
  const proc = child;
  const server: PrometheusServer = {
    url,
    target: { serve: (t) => void (text = t), scrapes: () => scrapes },
    async awaitValue(query, value, timeoutMs = 20_000) {
      await waitFor(
        `prometheus: ${query} == ${value}`,
        async () => {
          const result = await instant(url, query).catch(() => undefined);
          return result?.length === 1 && result[0]?.value[1] === value ? true : undefined;
        },
        { timeoutMs },
      );
    },
    async close() {
      const exited = new Promise<void>((resolve) => (proc.exitCode !== null ? resolve() : proc.once('exit', () => resolve())));
      proc.kill('SIGTERM');
      await exited;
      await new Promise<void>((resolve) => metrics.close(() => resolve()));
      metrics.closeAllConnections();
      await rm(dir, { recursive: true, force: true });
    },
  };
  // Ready is not enough: the first scrape must have landed before tests query.
  await waitFor(
    'prometheus: first scrape',
    async () => ((await instant(url, 'up{job="firebreak-test"} == 1').catch(() => undefined))?.length === 1 ? true : undefined),
    { timeoutMs: 30_000 },
  );
  return server;
}
