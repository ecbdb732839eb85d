/**
 * `npm run screenshot`: makes the README's picture of the console (docs/console-incident.png)
 * again, from a real run. Starts a one-node Kafka cluster and `firebreak serve` in enforce mode
 * with the runbook next to this file, posts a consumer-lag alert as Alertmanager would, waits
 * until the main producer's quota is in force and throttling the backfill job waits for an
 * approval, signs in to the console in the headless Chromium the browser tests use (Debian's
 * `chromium`) and photographs the top of the incident page. Stops everything it started.
 *
 *   npm run screenshot [-- --out <file.png>]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../kafka/classpath.ts';
import { startCluster, type Cluster } from '../kafka/cluster.ts';
import { startServe, type ServeProcess } from '../../test/integration/serve/serve-process.ts';
import { launchChromium, type TestBrowser } from '../../test/e2e/console/browser.ts';

const WEBHOOK_TOKEN = 'screenshot-webhook-token-0123456789';
const RESPONDER_TOKEN = 'screenshot-responder-token-0123456789';
const RUNBOOKS = join(import.meta.dirname, 'runbooks');

const { values } = parseArgs({ options: { out: { type: 'string', default: join(REPO_ROOT, 'docs', 'console-incident.png') } } });
const say = (text: string) => process.stdout.write(`${text}\n`);

/** The alert as Alertmanager sends it: a consumer group far behind on its topic. */
function lagAlert(): Record<string, unknown> {
  const labels = { alertname: 'KafkaConsumerGroupLagHigh', cluster: 'prod-eu-1', consumergroup: 'billing-consumer', topic: 'orders', severity: 'critical' };
  return {
    version: '4',
    groupKey: '{}:{alertname="KafkaConsumerGroupLagHigh"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'firebreak',
    groupLabels: { alertname: labels.alertname },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.prod-eu-1:9093',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: {
          summary: 'billing-consumer is 184,250 messages behind on orders',
          description: 'The lag of consumer group billing-consumer on topic orders has been above 50,000 messages for 5 minutes and is growing.',
        },
        startsAt: new Date(Date.now() - 7 * 60_000).toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.prod-eu-1:9090/graph',
        fingerprint: '6d1f4c2a9b8e7f30',
      },
    ],
  };
}

async function api(serve: ServeProcess, method: 'GET' | 'POST', path: string, token: string, body?: unknown): Promise<any> {
  const response = await fetch(`${serve.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Polls `probe` every 500 ms until it returns a value, for at most `timeoutMs`. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'firebreak-screenshot-'));
  let kafka: Cluster | undefined;
  let serve: ServeProcess | undefined;
  let chromium: TestBrowser | undefined;
  try {
    say('starting Kafka (one node)...');
    kafka = await startCluster({ dir: join(dir, 'kafka'), brokers: 1 });
    say('starting firebreak serve (enforce)...');
    serve = await startServe({
      cwd: dir,
      env: {
        FIREBREAK_LISTEN: '127.0.0.1:0',
        FIREBREAK_DATA_DIR: join(dir, 'data'),
        FIREBREAK_MODE: 'enforce',
        FIREBREAK_RUNBOOKS: RUNBOOKS,
        FIREBREAK_KAFKA_BROKERS: kafka.bootstrapServers,
        FIREBREAK_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
        FIREBREAK_API_TOKENS: `alice:responder:${RESPONDER_TOKEN}`,
      },
    });
    const posted = await fetch(`${serve.url}/api/v1/alerts`, { method: 'POST', headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(lagAlert()) });
    if (!posted.ok) throw new Error(`the webhook refused the alert: ${posted.status} ${await posted.text()}`);
    const id = await until('the incident', async () => ((await api(serve!, 'GET', '/api/v1/incidents', RESPONDER_TOKEN)) as { items: Array<{ id: string }> }).items[0]?.id);
    await until('the throttle in force and the approval waiting', async () => {
      const detail = (await api(serve!, 'GET', `/api/v1/incidents/${id}`, RESPONDER_TOKEN)) as { containments: unknown[]; approvals: unknown[] };
      return detail.containments.length === 1 && detail.approvals.length === 1 ? true : undefined;
    });
    await api(serve, 'POST', `/api/v1/incidents/${id}/roles`, RESPONDER_TOKEN, { role: 'commander', person: 'alice' });

    say('photographing the incident page...');
    chromium = await launchChromium();
    const page = await chromium.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(`${serve.url}/incidents/${id}`);
    await page.type('#token', RESPONDER_TOKEN);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    await page.waitForFunction("document.getElementById('live-status')?.textContent?.startsWith('Live:')", { timeout: 20_000 });
    const bottom = (await page.evaluate("document.getElementById('containments').getBoundingClientRect().bottom + window.scrollY")) as number;
    await page.screenshot({ path: values.out, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(bottom + 16) } });
    say(`wrote ${values.out}`);
  } finally {
    await chromium?.close().catch(() => undefined);
    if (serve !== undefined) {
      serve.kill('SIGTERM');
      await serve.exited;
    }
    await kafka?.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`screenshot failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
