/**
 * Containment latency benchmark: from the webhook request to a client quota visible on every
 * broker, firebreak (`serve`, enforce mode, one runbook whose one step is `kafka.setClientQuota`)
 * against the limit measured the same way in the same run: one raw AlterClientQuotas round trip
 * plus the time until every broker shows it. Both are observed by the same poller (this
 * process, DescribeClientQuotas on every broker, back to back), runs in turn, each on a fresh
 * client-id after one warm-up each.
 *
 *   npm run -s kafka -- start --brokers 1 --dir "$DIR"        # or --brokers 3; --version 4.1.2
 *   node bench/containment.ts --dir "$DIR" [--runs 30] [--baseline <checkout>]
 *   npm run -s kafka -- stop --dir "$DIR"
 *
 * `--baseline`: another checkout of firebreak (an earlier commit, with its node_modules) runs as a
 * second server, measured in turn with this one and the raw round trip: before and after in one run.
 *
 * The third reference of the issue, one `kafka-configs.sh --alter --add-config
 * producer_byte_rate=... --entity-type clients --entity-name x` run by hand (a JVM start each
 * time), is measured with the Kafka distribution's own script, outside this benchmark.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createKafkaAdmin } from '../src/actions/kafka/client.ts';
import type { KafkaAdmin } from '../src/actions/kafka/types.ts';
import { silentLogger } from '../src/core/logger.ts';
import { ADMIN_TOKEN, startServe, stopProcess, WEBHOOK_TOKEN } from './support/process.ts';
import { fixed, machine, median, percentile, table } from './support/stats.ts';
import { benchBootstrap } from './support/cluster.ts';

const { values } = parseArgs({ options: { dir: { type: 'string' }, brokers: { type: 'string' }, runs: { type: 'string', default: '30' }, baseline: { type: 'string' } } });
const runs = Number(values.runs);
const RATE = 1_048_576;

const RUNBOOK = `name: bench-quota
description: Slows the producer the alert names (containment latency benchmark).
match: ['alertname="BenchContainmentLatency"']
groupBy: [client]
steps:
  - id: throttle
    phase: containment
    action: kafka.setClientQuota
    with: { entity: { client-id: "{{ labels.client }}" }, producerByteRate: ${RATE} }
    revert: on-resolve
`;

/** Polls DescribeClientQuotas on every broker, back to back, until `client` has the rate; the time it became visible. */
async function visible(admin: KafkaAdmin, client: string, timeoutMs = 30_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      const entries = await admin.describeClientQuotas({ entity: { 'client-id': client }, strict: true }, { consistency: 'all-brokers' });
      if (entries.some((e) => e.values.producer_byte_rate === RATE)) return performance.now();
    } catch {
      // Brokers that disagree yet: not visible everywhere.
    }
    if (performance.now() > deadline) throw new Error(`quota of ${client} not visible on every broker within ${timeoutMs} ms`);
  }
}

function alert(client: string): string {
  return JSON.stringify({
    version: '4',
    groupKey: `{}:{client="${client}"}`,
    status: 'firing',
    receiver: 'firebreak',
    groupLabels: { client },
    commonLabels: { alertname: 'BenchContainmentLatency', client },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    truncatedAlerts: 0,
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'BenchContainmentLatency', client, severity: 'critical' },
        annotations: { summary: `producer ${client} too fast` },
        startsAt: new Date().toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        fingerprint: Buffer.from(client).toString('hex').slice(-16).padStart(16, '0'),
      },
    ],
  });
}

const brokers = await benchBootstrap(values, 'bench/containment.ts');
const work = mkdtempSync(join(tmpdir(), 'firebreak-bench-containment-'));
mkdirSync(join(work, 'runbooks'));
writeFileSync(join(work, 'runbooks', 'bench-quota.yaml'), RUNBOOK);
// One incident and one run per measured alert: the storm cap on run starts (30 a minute) would
// hold the later ones back.
writeFileSync(join(work, 'firebreak.yaml'), 'storm:\n  maxRunStartsPerMinute: 100000\n  maxNewIncidentsPerMinute: 100000\n');
const admin = createKafkaAdmin({ brokers: brokers.split(','), clientId: 'firebreak-bench' }, { logger: silentLogger() });
const raw = createKafkaAdmin({ brokers: brokers.split(','), clientId: 'firebreak-bench-raw' }, { logger: silentLogger() });
const servers: Array<{ name: string; url: string; started: Awaited<ReturnType<typeof startServe>>['started'] }> = [];
const checkouts: Array<{ name: string; repo?: string }> = [...(values.baseline === undefined ? [] : [{ name: 'baseline', repo: values.baseline }]), { name: 'firebreak' }];
for (const { name, repo } of checkouts) {
  const { url, started } = await startServe({
    dataDir: join(work, `data-${name}`),
    runbooks: join(work, 'runbooks'),
    logFile: join(work, `${name}.log`),
    env: { FIREBREAK_CONFIG: join(work, 'firebreak.yaml'), FIREBREAK_MODE: 'enforce', FIREBREAK_KAFKA_BROKERS: brokers },
    ...(repo === undefined ? {} : { repo }),
  });
  servers.push({ name, url, started });
}
const stamp = Date.now().toString(36);

async function viaFirebreak(url: string, client: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}/api/v1/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
    body: alert(client),
  });
  if (!response.ok) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
  const seen = await visible(admin, client);
  return seen - started;
}

/**
 * Waits, after a measurement, until the server has recorded the end of that run (the step's
 * result, the run's end): that work would otherwise overlap the next measurement.
 */
async function settled(url: string, client: string): Promise<void> {
  const items = async <T>(path: string): Promise<T[]> =>
    ((await (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { items: T[] }).items;
  for (let i = 0; i < 3000; i++) {
    const incident = (await items<{ id: string; key: string }>('/api/v1/incidents?limit=5')).find((x) => x.key.includes(client));
    if (incident !== undefined && (await items<{ kind: string }>(`/api/v1/incidents/${incident.id}/timeline?limit=100`)).some((e) => e.kind === 'run.finished')) return;
    await delay(10);
  }
  throw new Error(`the run for ${client} did not finish within 30 s`);
}

async function viaRaw(client: string): Promise<number> {
  const started = performance.now();
  await raw.alterClientQuotas([{ entity: { 'client-id': client }, set: { producer_byte_rate: RATE } }]);
  return (await visible(admin, client)) - started;
}

/** Milliseconds per path (each server by name, and `raw`), run by run. */
const rows: Array<Record<string, number>> = [];
let brokerCount = 0;
try {
  brokerCount = (await admin.describeCluster()).brokers.length;
  process.stdout.write(`containment latency benchmark: ${brokerCount} broker(s), ${runs} runs each after a warm-up\nmachine: ${await machine()}\n`);
  for (const server of servers) {
    await viaFirebreak(server.url, `bench-${stamp}-warm-${server.name}`);
    await settled(server.url, `bench-${stamp}-warm-${server.name}`);
  }
  await viaRaw(`bench-${stamp}-warm-r`);
  for (let run = 1; run <= runs; run++) {
    const row: Record<string, number> = {};
    // Each server's own work after a containment (recording the step, the run's end) overlaps the
    // next measurement: the order alternates from run to run so neither server always follows the other.
    for (const server of run % 2 === 0 ? [...servers].reverse() : servers) {
      const client = `bench-${stamp}-${server.name}-${run}`;
      row[server.name] = await viaFirebreak(server.url, client);
      await settled(server.url, client);
    }
    row['raw'] = await viaRaw(`bench-${stamp}-r${run}`);
    rows.push(row);
    process.stdout.write(`run ${run}: ${Object.entries(row).map(([k, v]) => `${k} ${fixed(v, 1)} ms`).join(', ')}\n`);
  }
} finally {
  for (const server of servers) await stopProcess(server.started);
  await admin.close();
  await raw.close();
  rmSync(work, { recursive: true, force: true });
}

const column = (name: string): number[] => rows.map((row) => row[name] as number);
const r = column('raw');
const line = (label: string, xs: number[]) => [label, brokerCount, fixed(median(xs), 1), fixed(percentile(xs, 99), 1), fixed(Math.min(...xs), 1), fixed(Math.max(...xs), 1)];
process.stdout.write(
  `\n${table(
    ['path', 'brokers', 'p50 ms', 'p99 ms', 'min ms', 'max ms'],
    [
      ...servers.map((s) => line(`webhook to quota on every broker (${s.name === 'firebreak' ? 'firebreak' : `firebreak ${s.name}`})`, column(s.name))),
      line('AlterClientQuotas + visible on every broker (raw)', r),
    ],
  )}\n\n${servers.map((s) => `${s.name === 'firebreak' ? 'firebreak' : `firebreak ${s.name}`} overhead over the raw round trip at p50: ${fixed(median(column(s.name)) - median(r), 1)} ms`).join('\n')}\n`,
);
if (values.baseline !== undefined) {
  // Run by run, the two servers were measured moments apart: the median of the differences.
  const paired = rows.map((row) => (row['firebreak'] as number) - (row['baseline'] as number));
  process.stdout.write(`firebreak - baseline, run by run: median ${fixed(median(paired), 1)} ms\n`);
}
