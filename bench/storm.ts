/**
 * Alert storm benchmark: firebreak (`serve`, SQLite store, the shipped runbooks, default storm
 * caps) takes a storm posted all at once, against the bare append + fdatasync server of the
 * ingest benchmark taking the same bodies in the same run (the limit of a durable ack).
 *
 * Scenarios:
 * - `urp`: 20,000 under-replicated-partition alerts of one cluster in 20 notifications of 1,000
 *   (the runbook groups by cluster): at most one incident per runbook group, one run.
 * - `lag`: 5,000 consumer-lag alerts of 5,000 distinct groups in 5 notifications of 1,000: the
 *   caps on new incidents fold the rest into storm incidents, and runs stay bounded.
 *
 *   node bench/storm.ts [--rounds 2] [--scenario urp|lag|both] [--baseline <another checkout>]
 *
 * `--baseline`: another checkout of firebreak (a commit before a change) takes the same storm in
 * the same round, after this checkout's (bare, firebreak, baseline in each round), and the
 * summary gives firebreak's peak RSS and max ack over the baseline's, round by round.
 *
 * Reported per run: the slowest and median ack, how long processing took to drain after the
 * last ack, the incidents and runs the store holds afterwards (firebreak), the longest event-loop
 * delay (firebreak's own `nodejs_eventloop_lag_max_seconds`), peak RSS (VmHWM), in MiB and in
 * MB (10^6 bytes), and the CPU time (user + system) the server used from its start to the end of
 * the drain (start-up included; on a loaded machine a steadier measure of work than times).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { silentLogger } from '../src/core/logger.ts';
import { openSqliteStore } from '../src/store/sqlite/index.ts';
import { scrape } from './support/metrics.ts';
import { startBare, startServe, stopProcess, WEBHOOK_TOKEN, type Started } from './support/process.ts';
import { fixed, machine, median, table } from './support/stats.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    scenario: { type: 'string', default: 'both' },
    /** Another checkout of firebreak: its serve takes the same storms, in turn. */
    baseline: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const work = mkdtempSync(join(tmpdir(), 'firebreak-bench-storm-'));

interface Scenario {
  name: string;
  bodies: string[];
}

/** One notification of `count` alerts, about 600 bytes each, as Alertmanager sends them. */
function notification(alerts: Array<{ labels: Record<string, string>; summary: string; fingerprint: string }>, groupKey: string, groupLabels: Record<string, string>): string {
  return JSON.stringify({
    version: '4',
    groupKey,
    status: 'firing',
    receiver: 'firebreak',
    groupLabels,
    commonLabels: groupLabels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    truncatedAlerts: 0,
    alerts: alerts.map((a) => ({
      status: 'firing',
      labels: { ...a.labels, severity: 'critical', job: 'kafka', instance: 'kafka-exporter:9308' },
      annotations: { summary: a.summary, description: `${a.summary}. See the dashboard for the partition's replicas and the brokers' disk and network.` },
      startsAt: '2026-03-02T09:14:05.482913443Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph?g0.expr=kafka_topic_partition_under_replicated_partition+%3E+0',
      fingerprint: a.fingerprint,
    })),
  });
}

function urp(): Scenario {
  const bodies = Array.from({ length: 20 }, (_, n) =>
    notification(
      Array.from({ length: 1_000 }, (_, i) => {
        const p = n * 1_000 + i;
        return { labels: { alertname: 'KafkaUnderReplicatedPartitions', cluster: 'prod-eu1', topic: `orders-${p % 200}`, partition: String(p) }, summary: `Partition orders-${p % 200}/${p} under-replicated`, fingerprint: `a1${p.toString(16).padStart(14, '0')}` };
      }),
      `{}:{cluster="prod-eu1",n="${n}"}`,
      { alertname: 'KafkaUnderReplicatedPartitions', cluster: 'prod-eu1' },
    ),
  );
  return { name: 'urp: 20,000 alerts, 1 cluster, 20 notifications', bodies };
}

function lag(): Scenario {
  const bodies = Array.from({ length: 5 }, (_, n) =>
    notification(
      Array.from({ length: 1_000 }, (_, i) => {
        const g = n * 1_000 + i;
        return { labels: { alertname: 'KafkaConsumerGroupLagHigh', cluster: 'prod-eu1', consumergroup: `group-${g}`, topic: `events-${g % 50}` }, summary: `Consumer group group-${g} lags on events-${g % 50}`, fingerprint: `b2${g.toString(16).padStart(14, '0')}` };
      }),
      `{}:{alertname="KafkaConsumerGroupLagHigh",n="${n}"}`,
      { alertname: 'KafkaConsumerGroupLagHigh', cluster: 'prod-eu1' },
    ),
  );
  return { name: 'lag: 5,000 alerts, 5,000 groups, 5 notifications', bodies };
}

interface Server {
  name: string;
  firebreak: boolean;
  start(run: string): Promise<{ url: string; started: Started }>;
}

const bareFsync: Server = {
  name: 'bare node:http, append + fdatasync',
  firebreak: false,
  start: (run) => startBare({ mode: 'fsync', file: join(work, `journal-${run}.log`), logFile: join(work, 'bare.log') }),
};

const firebreak: Server = {
  name: 'firebreak serve (SQLite, shipped runbooks)',
  firebreak: true,
  start: (run) => startServe({ dataDir: join(work, `data-${run}`), logFile: join(work, 'firebreak.log') }),
};

const baseline: Server | null =
  values.baseline === undefined
    ? null
    : {
        name: `firebreak serve of ${values.baseline}`,
        firebreak: true,
        start: (run) => startServe({ dataDir: join(work, `data-${run}`), logFile: join(work, 'baseline.log'), repo: values.baseline }),
      };

interface Row {
  scenario: string;
  server: string;
  round: number;
  maxAckMs: number;
  medianAckMs: number;
  failed: number;
  drainMs?: number;
  incidents?: number;
  runs?: number;
  loopDelayMaxMs?: number;
  peakRssMiB: number;
  /** CPU time (user + system) of the server process from its start to the end of the drain, s. */
  cpuSeconds: number;
}

/** utime + stime of `pid` in seconds (clock ticks of 10 ms, as Linux counts them). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function peakRss(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? NaN : Number(match[1]) / 1024;
}

async function post(url: string, body: string): Promise<{ ms: number; ok: boolean }> {
  const started = performance.now();
  const response = await fetch(`${url}/api/v1/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
    body,
  });
  await response.arrayBuffer();
  return { ms: performance.now() - started, ok: response.ok };
}

async function measure(scenario: Scenario, server: Server, round: number): Promise<Row> {
  const run = `${round}-${scenario.name.slice(0, 3)}-${server === baseline ? 'baseline' : 'this'}`;
  const { url, started } = await server.start(run);
  let row: Row;
  try {
    if (server.firebreak) await scrape(`${url}/metrics`); // resets the event-loop delay maximum
    const acks = await Promise.all(scenario.bodies.map((body) => post(url, body)));
    const lastAck = performance.now();
    row = {
      scenario: scenario.name,
      server: server.name,
      round,
      maxAckMs: Math.max(...acks.map((a) => a.ms)),
      medianAckMs: median(acks.map((a) => a.ms)),
      failed: acks.filter((a) => !a.ok).length,
      peakRssMiB: NaN,
      cpuSeconds: NaN,
    };
    if (server.firebreak) {
      while ((await scrape(`${url}/metrics`)).get('firebreak_notifications_pending') !== 0) await delay(20);
      row.drainMs = performance.now() - lastAck;
      const metrics = await scrape(`${url}/metrics`);
      row.loopDelayMaxMs = (metrics.get('nodejs_eventloop_lag_max_seconds') ?? NaN) * 1000;
    }
    row.peakRssMiB = peakRss(started.child.pid as number);
    row.cpuSeconds = cpuSeconds(started.child.pid as number);
  } finally {
    await stopProcess(started);
  }
  if (server.firebreak) {
    const store = await openSqliteStore({ path: join(work, `data-${run}`, 'firebreak.db'), logger: silentLogger() });
    try {
      row.incidents = (await store.listIncidents({ limit: 500 })).items.length;
      row.runs = (await store.runs({})).length;
    } finally {
      await store.close();
    }
  }
  return row;
}

const scenarios = values.scenario === 'urp' ? [urp()] : values.scenario === 'lag' ? [lag()] : [urp(), lag()];
const rows: Row[] = [];
try {
  process.stdout.write(`storm benchmark, ${rounds} round(s)\nmachine: ${await machine()}\n`);
  for (let round = 1; round <= rounds; round++) {
    for (const scenario of scenarios) {
      // With a baseline, the two checkouts take turns going first (A B, then B A).
      const checkouts = baseline === null ? [firebreak] : round % 2 === 1 ? [firebreak, baseline] : [baseline, firebreak];
      for (const server of [bareFsync, ...checkouts]) {
        const row = await measure(scenario, server, round);
        rows.push(row);
        process.stdout.write(`round ${round}: ${scenario.name}: ${server.name}: max ack ${fixed(row.maxAckMs)} ms\n`);
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

process.stdout.write(
  `\n${table(
    ['scenario', 'server', 'round', 'median ack ms', 'max ack ms', 'failed', 'drain ms', 'incidents', 'runs', 'max loop delay ms', 'peak RSS MiB', 'peak RSS MB', 'CPU s'],
    rows.map((r) => [
      r.scenario,
      r.server,
      r.round,
      fixed(r.medianAckMs),
      fixed(r.maxAckMs),
      r.failed,
      r.drainMs === undefined ? '' : fixed(r.drainMs),
      r.incidents ?? '',
      r.runs ?? '',
      r.loopDelayMaxMs === undefined ? '' : fixed(r.loopDelayMaxMs),
      fixed(r.peakRssMiB),
      fixed((r.peakRssMiB * 1024 * 1024) / 1e6),
      fixed(r.cpuSeconds, 2),
    ]),
  )}\n`,
);
for (const scenario of scenarios) {
  const ratios = rows
    .filter((r) => r.scenario === scenario.name && r.server === firebreak.name)
    .map((r) => r.maxAckMs / (rows.find((b) => b.scenario === r.scenario && b.server === bareFsync.name && b.round === r.round)?.maxAckMs ?? NaN));
  process.stdout.write(`${scenario.name}: firebreak max ack / bare fsync max ack, per round: ${ratios.map((x) => fixed(x, 2)).join(', ')} (median ${fixed(median(ratios), 2)})\n`);
}
if (baseline !== null) {
  for (const scenario of scenarios) {
    const ours = rows.filter((r) => r.scenario === scenario.name && r.server === firebreak.name);
    const theirs = (r: Row) => rows.find((b) => b.scenario === r.scenario && b.server === baseline.name && b.round === r.round);
    const rss = ours.map((r) => r.peakRssMiB / (theirs(r)?.peakRssMiB ?? NaN));
    const ack = ours.map((r) => r.maxAckMs / (theirs(r)?.maxAckMs ?? NaN));
    const cpu = ours.map((r) => r.cpuSeconds / (theirs(r)?.cpuSeconds ?? NaN));
    process.stdout.write(
      `${scenario.name}: firebreak / baseline, per round: peak RSS ${rss.map((x) => fixed(x, 2)).join(', ')} (median ${fixed(median(rss), 2)}); max ack ${ack.map((x) => fixed(x, 2)).join(', ')} (median ${fixed(median(ack), 2)}); CPU ${cpu.map((x) => fixed(x, 2)).join(', ')} (median ${fixed(median(cpu), 2)})\n`,
    );
  }
}
