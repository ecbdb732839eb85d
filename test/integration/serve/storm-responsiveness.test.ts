/**
 * Responsiveness in an alert storm: the real `serve` process (SQLite, the shipped runbooks) takes
 * one notification of 50,000 alerts (about 11 MB, under the body limit) and processes it, while
 * `/healthz` is probed every 20 ms. Every probe must answer within 100 ms.
 *
 * Two measures, because the machine running the test may be loaded (other test suites, two
 * cores) and a probe can then be late because no core was free, whatever firebreak does:
 * - firebreak's own event-loop delay (`nodejs_eventloop_lag_max_seconds`, the longest delay
 *   since the previous scrape), scraped every 200 ms throughout: never 100 ms or more;
 * - each probe goes out together with one to a bare `node:http` server in a process of its own
 *   (the control). Every probe answers 200, none takes a second, and a probe over 100 ms while
 *   the control answered the same round within 50 ms is allowed once in a hundred at most (a
 *   core given to another process at the wrong moment).
 * The notification is posted by a child process, so that sending 11 MB does not hold up the
 * probes of this one.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { silentLogger } from '../../../src/core/logger.ts';
import { openSqliteStore } from '../../../src/store/sqlite/index.ts';
import { waitFor } from '../../support/eventually.ts';
import { ensureStopped, startServe, type ServeProcess } from './serve-process.ts';

const WEBHOOK_TOKEN = 'storm-webhook-token-000001';
const ADMIN_TOKEN = 'storm-admin-token-0000001';
const ALERTS = 50_000;
const LIMIT_MS = 100;
const CONTROL_FAST_MS = 50;
const NEVER_MS = 1_000;
const RUNBOOKS = join(import.meta.dirname, '../../../runbooks');

/** 50,000 under-replicated partitions of one cluster, about 220 bytes each, as Alertmanager sends them. */
function stormBody(): string {
  const alerts = Array.from({ length: ALERTS }, (_, i) => ({
    status: 'firing',
    labels: { alertname: 'KafkaUnderReplicatedPartitions', cluster: 'storm-1', topic: `t-${i % 500}`, partition: String(i), severity: 'critical' },
    annotations: { summary: `Partition t-${i % 500}/${i} under-replicated` },
    startsAt: '2026-03-02T09:14:05Z',
    endsAt: '0001-01-01T00:00:00Z',
    fingerprint: `5f${i.toString(16).padStart(14, '0')}`,
  }));
  return JSON.stringify({
    version: '4',
    groupKey: '{}:{cluster="storm-1"}',
    status: 'firing',
    receiver: 'firebreak',
    groupLabels: { cluster: 'storm-1' },
    commonLabels: { alertname: 'KafkaUnderReplicatedPartitions', cluster: 'storm-1', severity: 'critical' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    truncatedAlerts: 0,
    alerts,
  });
}

/** A bare node:http server in a child process; resolves with its URL. */
async function startControl(): Promise<{ child: ChildProcess; url: string }> {
  const source = "require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () { console.log(this.address().port); });";
  const child = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', () => reject(new Error('the control server exited')));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

/** POSTs the file's bytes as the webhook does, from a child process; resolves with the answer. */
async function postFile(url: string, file: string): Promise<{ status: number; text: string }> {
  const source = `
    const [url, token, file] = process.argv.slice(1);
    const body = require('node:fs').readFileSync(file);
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token }, body })
      .then(async (r) => console.log(JSON.stringify({ status: r.status, text: await r.text() })))
      .catch((e) => console.log(JSON.stringify({ status: 0, text: String(e) })));`;
  const child = spawn(process.execPath, ['-e', source, url, WEBHOOK_TOKEN, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the posting process exited (${code}) without an answer`)));
  });
  return JSON.parse(line) as { status: number; text: string };
}

async function timed(url: string): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    await response.arrayBuffer();
    return { ms: performance.now() - started, status: response.status };
  } catch {
    return { ms: performance.now() - started, status: 0 };
  }
}

interface Round {
  firebreak: { ms: number; status: number };
  control: { ms: number; status: number };
}

describe('serve: responsiveness in an alert storm', () => {
  let dir: string;
  let proc: ServeProcess | undefined;
  let control: ChildProcess | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'firebreak-storm-'));
  });
  afterEach(async () => {
    await ensureStopped(proc);
    proc = undefined;
    if (control !== undefined && control.exitCode === null) {
      const exited = new Promise((resolve) => control!.once('exit', resolve));
      control.kill('SIGKILL');
      await exited;
    }
    control = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('answers /healthz within 100 ms while it acknowledges and processes a notification of 50,000 alerts', async function () {
    this.timeout(600_000);
    const started = await startControl();
    control = started.child;
    proc = await startServe({
      cwd: dir,
      env: {
        FIREBREAK_LISTEN: '127.0.0.1:0',
        FIREBREAK_DATA_DIR: dir,
        FIREBREAK_RUNBOOKS: RUNBOOKS,
        FIREBREAK_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
        FIREBREAK_API_TOKENS: `ops:admin:${ADMIN_TOKEN}`,
      },
    });
    const serve = proc;
    const body = stormBody();
    expect(body.length).to.be.within(10_000_000, 16 * 1024 * 1024);
    const bodyFile = join(dir, 'storm.json');
    await writeFile(bodyFile, body);

    const rounds: Round[] = [];
    const loopDelaysMs: number[] = [];
    await fetch(`${serve.url}/metrics`); // starts the event-loop delay maximum afresh
    let probing = true;
    const prober = (async () => {
      while (probing) {
        const [firebreak, controlRound] = await Promise.all([timed(`${serve.url}/healthz`), timed(`${started.url}/`)]);
        rounds.push({ firebreak, control: controlRound });
        await delay(20);
      }
    })();

    try {
      await delay(500);
      // Posted by a process of its own: sending 11 MB must not hold up this process's probes.
      const posted = await postFile(`${serve.url}/api/v1/alerts`, bodyFile);
      expect(posted.status, posted.text).to.equal(200);
      await waitFor(
        'the notification processed',
        async () => {
          const metrics = await (await fetch(`${serve.url}/metrics`)).text();
          loopDelaysMs.push(Number(/^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(metrics)?.[1]) * 1000);
          return /^firebreak_notifications_pending 0$/m.test(metrics) ? true : undefined;
        },
        { timeoutMs: 300_000, intervalMs: 200 },
      );
    } finally {
      probing = false;
      await prober;
    }

    // Every alert was recorded, on the one incident of the cluster (the runbook groups by cluster).
    await ensureStopped(proc);
    proc = undefined;
    const store = await openSqliteStore({ path: join(dir, 'firebreak.db'), logger: silentLogger() });
    try {
      const { items } = await store.listIncidents({ limit: 10 });
      expect(items.map((i) => i.key)).to.have.length(1);
      expect(await store.alertStateCounts(items[0]!.id)).to.include({ firing: ALERTS });
    } finally {
      await store.close();
    }

    expect(rounds.length, 'probes taken while the storm was processed').to.be.greaterThan(20);
    expect(rounds.filter((r) => r.firebreak.status !== 200), 'probes that did not answer 200').to.deep.equal([]);
    expect(loopDelaysMs.length).to.be.greaterThan(3);
    expect(Math.max(...loopDelaysMs), `firebreak's longest event-loop delay, ms (scraped every 200 ms: ${loopDelaysMs.map((ms) => ms.toFixed(0)).join(' ')})`).to.be.below(LIMIT_MS);
    expect(rounds.filter((r) => r.firebreak.ms > NEVER_MS).map((r) => r.firebreak.ms), 'probes that took a second or more').to.deep.equal([]);
    const late = rounds.filter((r) => r.firebreak.ms > LIMIT_MS && r.control.ms <= CONTROL_FAST_MS);
    const slowest = Math.max(...rounds.map((r) => r.firebreak.ms));
    expect(late.length, `probes over ${LIMIT_MS} ms of ${rounds.length} while the control answered within ${CONTROL_FAST_MS} ms (slowest ${slowest.toFixed(0)} ms): ${late.map((r) => `${r.firebreak.ms.toFixed(0)} ms (control ${r.control.ms.toFixed(0)} ms)`).join(', ')}`).to.be.at.most(Math.floor(rounds.length / 100));
  });
});
