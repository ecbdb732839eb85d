/**
 * A real Prometheus for integration tests: the `prometheus` binary (Debian package, see
 * scripts/ci-deps.sh) started on a free port with a temp data dir, scraping a static target the
 * test serves every second. {@link startPrometheus} resolves once Prometheus is ready AND has
 * scraped the target once, so a query right after sees the served series.
 *
 * The served exposition text can be changed at any time ({@link MetricsTarget.serve}); use
 * {@link PrometheusServer.awaitValue} to wait until Prometheus has scraped the change.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instantQuery, startPrometheus as startPrometheusProcess } from '../../../scripts/pipeline/prometheus.ts';
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
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 900ms',
    'scrape_configs:',
    '  - job_name: firebreak-test',
    '    static_configs:',
    `      - targets: ['127.0.0.1:${targetPort}']`,
    "        labels: { cluster: 'test' }",
    '',
  ].join('\n');
  const prometheus = await startPrometheusProcess({ dir, config }).catch(async (err: unknown) => {
    metrics.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  const url = prometheus.url;
  const server: PrometheusServer = {
    url,
    target: { serve: (t) => void (text = t), scrapes: () => scrapes },
    async awaitValue(query, value, timeoutMs = 20_000) {
      await waitFor(
        `prometheus: ${query} == ${value}`,
        async () => {
          const result = await instantQuery(url, query).catch(() => undefined);
          return result?.length === 1 && result[0]?.text === value ? true : undefined;
        },
        { timeoutMs },
      );
    },
    async close() {
      await prometheus.stop();
      await new Promise<void>((resolve) => metrics.close(() => resolve()));
      metrics.closeAllConnections();
      await rm(dir, { recursive: true, force: true });
    },
  };
  // Ready is not enough: the first scrape must have landed before tests query.
  await waitFor(
    'prometheus: first scrape',
    async () => ((await instantQuery(url, 'up{job="firebreak-test"} == 1').catch(() => undefined))?.length === 1 ? true : undefined),
    { timeoutMs: 30_000 },
  );
  return server;
}
