/**
 * Responsiveness in an alert storm: the real `serve` process (SQLite, the shipped runbooks) takes
 * one notification of 50,000 alerts (about 11 MB, under the body limit) and processes it, while
 * `/healthz` is probed every 20 ms. Every probe must answer within 100 ms.
 *
 * The machine running the test may be loaded (other test suites on two cores): a thread can wait
 * 100 ms for a core whatever firebreak does. So firebreak is measured side by side with a
 * control, a bare `node:http` server in a process of its own that keeps its own event-loop
 * delay, and a measure counts against firebreak only when firebreak was slow while the control,
 * at the same moment, was not:
 * - `/healthz` is probed every 20 ms, together with the control: a probe over 100 ms while the
 *   control answered within 50 ms counts;
 * - every 100 ms firebreak's own event-loop delay (`nodejs_eventloop_lag_max_seconds`, the
 *   longest since the previous scrape) is read together with the control's: 100 ms or more
 *   while the control's stayed under 50 ms counts. It is read at least twenty times (2 s from
 *   the first read, longer when the drain takes longer), so that the allowance below is one in
 *   twenty and not none: firebreak now drains such a notification in a second or two, and with
 *   the handful of reads that took, a single descheduled moment on a loaded machine failed the
 *   test.
 * At most one in twenty may count: on a machine with dozens of runnable threads per core (a full
 * test run of several people) a firebreak thread waits for a core now and then while the
 * idle control's does not; on a quiet machine none or one in a hundred count. Every probe
 * answers 200, and none takes 5 s whatever the control did: a server that stops answering, as
 * one processing on its event loop did for 48 s, fails at once.
 * The notification is posted by a child process, so that sending 11 MB does not hold up the
 * probes of this one. The same holds after a crash: the restarted process listens at once and
 * replays the stored notification while it answers, the webhook included.
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
const NEVER_MS = 5_000;
/** One measure in this many may be late while the control was not (see the module comment). */
const ALLOWED_LATE = 20;
/** Event-loop delay reads taken at least, so that one in {@link ALLOWED_LATE} is a whole read. */
const MIN_LOOP_READS = ALLOWED_LATE;
const RUNBOOKS = join(import.meta.dirname, '../../../runbooks');

/** `count` under-replicated partitions of one cluster, about 220 bytes each, as Alertmanager sends them. */
function stormBody(count = ALERTS, cluster = 'storm-1', prefix = '5f'): string {
  const alerts = Array.from({ length: count }, (_, i) => ({
    status: 'firing',
    labels: { alertname: 'KafkaUnderReplicatedPartitions', cluster, topic: `t-${i % 500}`, partition: String(i), severity: 'critical' },
    annotations: { summary: `Partition t-${i % 500}/${i} under-replicated` },
    startsAt: '2026-03-02T09:14:05Z',
    endsAt: '0001-01-01T00:00:00Z',
    fingerprint: `${prefix}${i.toString(16).padStart(14, '0')}`,
  }));
  return JSON.stringify({
    version: '4',
    groupKey: `{}:{cluster="${cluster}"}`,
    status: 'firing',
    receiver: 'firebreak',
    groupLabels: { cluster },
    commonLabels: { alertname: 'KafkaUnderReplicatedPartitions', cluster, severity: 'critical' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    truncatedAlerts: 0,
    alerts,
  });
}

/**
 * The control: a bare node:http server in a child process; `GET /lag` answers the longest
 * event-loop delay since the previous `/lag`, ms, like firebreak's metric. Resolves with its URL.
 */
async function startControl(): Promise<{ child: ChildProcess; url: string }> {
  const source = `
    const { monitorEventLoopDelay } = require('node:perf_hooks');
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    require('node:http').createServer((q, s) => {
      if (q.url !== '/lag') return s.end('ok');
      const max = lag.max / 1e6;
      lag.reset();
      s.end(String(max));
    }).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;
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

/** Both event-loop delay maxima start afresh (each read resets its own). */
async function resetDelays(url: string, controlUrl: string): Promise<void> {
  await Promise.all([fetch(`${url}/metrics`).then((r) => r.text()), fetch(`${controlUrl}/lag`).then((r) => r.text())]);
}

interface Round {
  firebreak: { ms: number; status: number };
  control: { ms: number; status: number };
}

/**
 * Probes `/healthz` of firebreak and the control together every 20 ms until stopped;
 * `untilDrained` scrapes firebreak's metrics every 100 ms (its event-loop delay) until nothing
 * is pending and at least {@link MIN_LOOP_READS} reads are taken; `assertResponsive` checks both
 * measures (see the module comment).
 */
function startProbes(url: string, controlUrl: string) {
  const rounds: Round[] = [];
  const loopDelays: Array<{ firebreak: number; control: number }> = [];
  let probing = true;
  const prober = (async () => {
    while (probing) {
      const [firebreak, control] = await Promise.all([timed(`${url}/healthz`), timed(`${controlUrl}/`)]);
      rounds.push({ firebreak, control });
      await delay(20);
    }
  })();
  return {
    async untilDrained(): Promise<void> {
      await waitFor(
        'every notification processed',
        async () => {
          const [metrics, control] = await Promise.all([fetch(`${url}/metrics`).then((r) => r.text()), fetch(`${controlUrl}/lag`).then((r) => r.text())]);
          loopDelays.push({ firebreak: Number(/^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(metrics)?.[1]) * 1000, control: Number(control) });
          return /^firebreak_notifications_pending 0$/m.test(metrics) && loopDelays.length >= MIN_LOOP_READS ? true : undefined;
        },
        { timeoutMs: 300_000, intervalMs: 100 },
      );
    },
    async stop(): Promise<void> {
      probing = false;
      await prober;
    },
    assertResponsive(): void {
      const show = (m: { firebreak: number; control: number }) => `${m.firebreak.toFixed(0)} ms (control ${m.control.toFixed(0)} ms)`;
      expect(rounds.length, 'probes taken while the storm was processed').to.be.greaterThan(20);
      expect(rounds.filter((r) => r.firebreak.status !== 200), 'probes that did not answer 200').to.deep.equal([]);
      expect(rounds.filter((r) => r.firebreak.ms > NEVER_MS).map((r) => r.firebreak.ms), `probes that took ${NEVER_MS} ms or more`).to.deep.equal([]);
      const probes = rounds.map((r) => ({ firebreak: r.firebreak.ms, control: r.control.ms }));
      const lateProbes = probes.filter((m) => m.firebreak > LIMIT_MS && m.control <= CONTROL_FAST_MS);
      expect(lateProbes.length, `/healthz probes over ${LIMIT_MS} ms of ${probes.length} while the control answered within ${CONTROL_FAST_MS} ms: ${lateProbes.map(show).join(', ')}`).to.be.at.most(Math.floor(probes.length / ALLOWED_LATE));
      expect(loopDelays.length).to.be.greaterThan(3);
      const lateLoops = loopDelays.filter((m) => m.firebreak >= LIMIT_MS && m.control < CONTROL_FAST_MS);
      expect(lateLoops.length, `event-loop delays of ${LIMIT_MS} ms or more of ${loopDelays.length} while the control's stayed under ${CONTROL_FAST_MS} ms: ${loopDelays.map(show).join(', ')}`).to.be.at.most(Math.floor(loopDelays.length / ALLOWED_LATE));
    },
  };
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

    // Both event-loop delay maxima start afresh.
    await resetDelays(serve.url, started.url);
    const probes = startProbes(serve.url, started.url);
    try {
      await delay(500);
      // Posted by a process of its own: sending 11 MB must not hold up this process's probes.
      const posted = await postFile(`${serve.url}/api/v1/alerts`, bodyFile);
      expect(posted.status, posted.text).to.equal(200);
      await probes.untilDrained();
    } finally {
      await probes.stop();
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

    probes.assertResponsive();
  });

  it('listens at once after a crash, and answers /healthz and the webhook while it replays the 50,000 alerts it had stored', async function () {
    this.timeout(600_000);
    const started = await startControl();
    control = started.child;
    const env = {
      FIREBREAK_LISTEN: '127.0.0.1:0',
      FIREBREAK_DATA_DIR: dir,
      FIREBREAK_RUNBOOKS: RUNBOOKS,
      FIREBREAK_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
      FIREBREAK_API_TOKENS: `ops:admin:${ADMIN_TOKEN}`,
    };
    const bodyFile = join(dir, 'storm.json');
    await writeFile(bodyFile, stormBody());
    const first = await startServe({ cwd: dir, env });
    proc = first;
    const posted = await postFile(`${first.url}/api/v1/alerts`, bodyFile);
    expect(posted.status, posted.text).to.equal(200);
    // Killed right after the acknowledgement: the notification is stored, its processing barely begun.
    first.kill('SIGKILL');
    await first.exited;

    proc = await startServe({ cwd: dir, env });
    const serve = proc;
    // Measured from the first moment it listens (what a probe sees), not its start-up before.
    await resetDelays(serve.url, started.url);
    const probes = startProbes(serve.url, started.url);
    let small: Response;
    try {
      small = await fetch(`${serve.url}/api/v1/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
        body: stormBody(1, 'after-restart', '6a'),
      });
      expect(small.status, await small.text()).to.equal(200);
      await probes.untilDrained();
    } finally {
      await probes.stop();
    }
    // Listening came before the replay finished: the stored notification was processed after it.
    const listening = serve.logs.findIndex((l) => l.msg === 'listening');
    const replayed = serve.logs.findIndex((l) => l.msg === 'notification processed' && l.notificationId === 1);
    expect(listening).to.be.at.least(0);
    expect(replayed, 'the replayed notification processed after listening').to.be.greaterThan(listening);
    probes.assertResponsive();

    await ensureStopped(proc);
    proc = undefined;
    const store = await openSqliteStore({ path: join(dir, 'firebreak.db'), logger: silentLogger() });
    try {
      expect(await store.unprocessedNotifications(10)).to.deep.equal([]);
      const counts = await Promise.all((await store.listIncidents({ limit: 10 })).items.map((i) => store.alertStateCounts(i.id)));
      expect(counts.reduce((n, c) => n + c.firing, 0)).to.equal(ALERTS + 1);
    } finally {
      await store.close();
    }
  });
});
