/**
 * Containment latency benchmark: from the webhook request to a client quota visible on every
 * broker, firebreak (`serve`, enforce mode, one runbook whose one step is `kafka.setClientQuota`)
 * against the limit measured the same way in the same run: one raw AlterClientQuotas round trip
 * plus the time until every broker shows it. Both are observed by the same poller (this
 * process, DescribeClientQuotas on every broker, back to back), runs in turn, each on a fresh
 * client-id after one warm-up each.
 *
 *   npm run -s kafka -- start --brokers 1 --dir "$DIR"        # or --brokers 3; --version 4.1.2
 *   node bench/containment.ts --dir "$DIR" [--runs 30]
 *   npm run -s kafka -- stop --dir "$DIR"
 *
 * The third reference of the issue, one `kafka-configs.sh --alter --add-config
 * producer_byte_rate=... --entity-type clients --entity-name x` run by hand (a JVM start each
 * time), is measured with the Kafka distribution's own script, outside this benchmark.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createKafkaAdmin } from '../src/actions/kafka/client.ts';
import type { KafkaAdmin } from '../src/actions/kafka/types.ts';
import { silentLogger } from '../src/core/logger.ts';
import { attachCluster } from '../scripts/kafka/cluster.ts';
import { startServe, stopProcess, WEBHOOK_TOKEN } from './support/process.ts';
import { fixed, machine, median, percentile, table } from './support/stats.ts';

const { values } = parseArgs({ options: { dir: { type: 'string' }, brokers: { type: 'string' }, runs: { type: 'string', default: '30' } } });
const runs = Number(values.runs);
const RATE = 1_048_576;

async function bootstrap(): Promise<string> {
  if (values.brokers !== undefined) return values.brokers;
  if (values.dir !== undefined) {
    const cluster = await attachCluster(values.dir);
    if (cluster === null) throw new Error(`no cluster state in ${values.dir}; start one with npm run kafka -- start --dir ${values.dir}`);
    return cluster.bootstrapServers;
  }
  throw new Error('usage: node bench/containment.ts (--dir <cluster dir> | --brokers host:port,...) [--runs N]');
}

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

const brokers = await bootstrap();
const work = mkdtempSync(join(tmpdir(), 'firebreak-bench-containment-'));
mkdirSync(join(work, 'runbooks'));
writeFileSync(join(work, 'runbooks', 'bench-quota.yaml'), RUNBOOK);
// One incident and one run per measured alert: the storm cap on run starts (30 a minute) would
// hold the later ones back.
writeFileSync(join(work, 'firebreak.yaml'), 'storm:\n  maxRunStartsPerMinute: 100000\n  maxNewIncidentsPerMinute: 100000\n');
const admin = createKafkaAdmin({ brokers: brokers.split(','), clientId: 'firebreak-bench' }, { logger: silentLogger() });
const raw = createKafkaAdmin({ brokers: brokers.split(','), clientId: 'firebreak-bench-raw' }, { logger: silentLogger() });
const { url, started: server } = await startServe({
  dataDir: join(work, 'data'),
  runbooks: join(work, 'runbooks'),
  logFile: join(work, 'firebreak.log'),
  env: { FIREBREAK_CONFIG: join(work, 'firebreak.yaml'), FIREBREAK_MODE: 'enforce', FIREBREAK_KAFKA_BROKERS: brokers },
});
const stamp = Date.now().toString(36);

async function viaFirebreak(client: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${url}/api/v1/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
    body: alert(client),
  });
  if (!response.ok) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
  return (await visible(admin, client)) - started;
}

async function viaRaw(client: string): Promise<number> {
  const started = performance.now();
  await raw.alterClientQuotas([{ entity: { 'client-id': client }, set: { producer_byte_rate: RATE } }]);
  return (await visible(admin, client)) - started;
}

const rows: Array<{ firebreak: number; raw: number }> = [];
let brokerCount = 0;
try {
  brokerCount = (await admin.describeCluster()).brokers.length;
  process.stdout.write(`containment latency benchmark: ${brokerCount} broker(s), ${runs} runs each after a warm-up\nmachine: ${await machine()}\n`);
  await viaFirebreak(`bench-${stamp}-warm-f`);
  await viaRaw(`bench-${stamp}-warm-r`);
  for (let run = 1; run <= runs; run++) {
    const firebreak = await viaFirebreak(`bench-${stamp}-f${run}`);
    const rawMs = await viaRaw(`bench-${stamp}-r${run}`);
    rows.push({ firebreak, raw: rawMs });
    process.stdout.write(`run ${run}: firebreak ${fixed(firebreak, 1)} ms, raw ${fixed(rawMs, 1)} ms\n`);
  }
} finally {
  await stopProcess(server);
  await admin.close();
  await raw.close();
  rmSync(work, { recursive: true, force: true });
}

const f = rows.map((r) => r.firebreak);
const r = rows.map((x) => x.raw);
process.stdout.write(
  `\n${table(
    ['path', 'brokers', 'p50 ms', 'p99 ms', 'min ms', 'max ms'],
    [
      ['webhook to quota on every broker (firebreak)', brokerCount, fixed(median(f), 1), fixed(percentile(f, 99), 1), fixed(Math.min(...f), 1), fixed(Math.max(...f), 1)],
      ['AlterClientQuotas + visible on every broker (raw)', brokerCount, fixed(median(r), 1), fixed(percentile(r, 99), 1), fixed(Math.min(...r), 1), fixed(Math.max(...r), 1)],
    ],
  )}\n\nfirebreak overhead over the raw round trip at p50: ${fixed(median(f) - median(r), 1)} ms\n`,
);
