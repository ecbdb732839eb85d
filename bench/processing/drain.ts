/**
 * One measurement of the processing benchmark (bench/processing.ts), in a process of its own:
 * the ingest thread of a firebreak checkout (`--repo`; its own src/, so a baseline checkout runs
 * its own code) on a fresh SQLite file, with the inbox journal and the shipped runbooks, as
 * `serve` runs it, without HTTP and without the engine (which runs on the main thread).
 *
 * `--warmup` + `--notifications` notifications are acknowledged through the inbox journal (as the
 * webhook does) and imported into the store while processing waits: the backlog a burst leaves
 * when processing does not keep up. Then processing starts and drains it. CPU time (user +
 * system) is measured from the moment the first `--warmup` are processed (the benchmark's
 * incidents exist, the code is warm) until the last one is: of the whole process, and of its
 * busiest thread (the ingest thread).
 *
 * Prints one JSON line. The notifications are those of bench/ingest/notifications.lua: one
 * group, two firing alerts of distinct fingerprints, cycling through the alert names of the
 * shipped runbooks over three clusters and twenty consumer groups.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    repo: { type: 'string' },
    notifications: { type: 'string', default: '5000' },
    warmup: { type: 'string', default: '1000' },
    runbooks: { type: 'string' },
  },
});
if (values.repo === undefined) throw new Error('--repo <checkout of firebreak> is required');
const repo = values.repo;
const count = Number(values.notifications);
const warmup = Number(values.warmup);
if (!(warmup >= 1 && count >= 1)) throw new Error('--warmup and --notifications must be at least 1');
const runbookDir = values.runbooks ?? join(import.meta.dirname, '..', '..', 'runbooks');

const load = <T>(path: string): Promise<T> => import(pathToFileURL(join(repo, path)).href) as Promise<T>;
const { startIngestThread } = await load<typeof import('../../src/ingest/thread.ts')>('src/ingest/thread.ts');
const { createLogger } = await load<typeof import('../../src/core/logger.ts')>('src/core/logger.ts');
const { loadRunbooks } = await load<typeof import('../../src/runbooks/load.ts')>('src/runbooks/load.ts');
const { catalogFromRegistry } = await load<typeof import('../../src/runbooks/params.ts')>('src/runbooks/params.ts');
const { createActionRegistry } = await load<typeof import('../../src/actions/catalogue.ts')>('src/actions/catalogue.ts');
const { DEFAULT_STORM_SETTINGS } = await load<typeof import('../../src/incidents/storm.ts')>('src/incidents/storm.ts');

const NAMES = ['KafkaConsumerGroupLagHigh', 'KafkaUnderReplicatedPartitions', 'KafkaBrokerDiskUsageHigh'];

function alert(fingerprint: string, name: string, cluster: string, group: string, n: number): Record<string, unknown> {
  return {
    status: 'firing',
    labels: { alertname: name, cluster, consumergroup: group, topic: 'orders', partition: String(n), severity: 'warning', instance: 'kafka-exporter:9308', job: 'kafka' },
    annotations: { summary: `${name} on ${cluster}`, description: 'Above its threshold for 5 minutes' },
    startsAt: '2026-03-02T09:14:05.482913443Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus:9090/graph?g0.expr=x',
    fingerprint,
  };
}

/** The n-th notification of bench/ingest/notifications.lua (one sender). */
function notification(n: number): Record<string, unknown> {
  const name = NAMES[n % 3] as string;
  const cluster = `prod-${n % 3}`;
  const group = `group-${n % 20}`;
  const fingerprint = (i: number) => `01${i.toString(16).padStart(14, '0')}`;
  return {
    version: '4',
    groupKey: `{}:{alertname="${name}",cluster="${cluster}"}`,
    status: 'firing',
    receiver: 'firebreak',
    groupLabels: { alertname: name, cluster },
    commonLabels: { alertname: name, cluster },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    truncatedAlerts: 0,
    alerts: [alert(fingerprint(n * 2), name, cluster, group, n * 2), alert(fingerprint(n * 2 + 1), name, cluster, group, n * 2 + 1)],
  };
}

/** CPU time (user + system) of each thread of this process, ms (clock ticks of 10 ms). */
function threadCpu(): Map<string, number> {
  const times = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      times.set(tid, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // the thread ended
    }
  }
  return times;
}

const dir = mkdtempSync(join(tmpdir(), 'firebreak-bench-processing-'));
const logger = createLogger({ level: 'warn' }, process.stderr);
const thread = await startIngestThread({ storePath: join(dir, 'firebreak.db'), logLevel: 'warn', logLine: (line) => process.stderr.write(line), inbox: true }, logger);
try {
  await thread.store.migrate();
  let next = 1;
  /** Acknowledges `n` notifications through the journal, 64 at a time (the benchmark's senders), and waits for their import. */
  const acknowledge = async (n: number): Promise<void> => {
    for (let done = 0; done < n; ) {
      const batch = Math.min(64, n - done);
      await Promise.all(Array.from({ length: batch }, () => thread.store.appendNotification(notification(next++), new Date().toISOString())));
      done += batch;
    }
  };
  let processed = 0;
  let runs = 0;
  /** Snapshots taken when the warm-up is processed and when the last notification is. */
  const marks: Array<{ wall: number; cpu: NodeJS.CpuUsage; threads: Map<string, number> }> = [];
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => (finished = resolve));
  const loaded = await loadRunbooks([runbookDir], { catalog: catalogFromRegistry(createActionRegistry()) });
  if (loaded.runbooks.length === 0) throw new Error(`no runbook loaded from ${runbookDir}`);
  thread.prepareProcessing(
    { runbooks: loaded.runbooks, storm: DEFAULT_STORM_SETTINGS, timeline: false },
    {
      async processed(summary) {
        processed += 1;
        if (processed > warmup) runs += summary.runs;
        if (processed === warmup || processed === warmup + count) marks.push({ wall: performance.now(), cpu: process.cpuUsage(), threads: threadCpu() });
        if (processed === warmup + count) finished();
      },
      timeline: () => {},
      storeError: (operation) => process.stderr.write(`store error: ${operation}\n`),
    },
  );
  // The whole backlog is acknowledged and imported before processing starts (it starts at the
  // first kick), as after a burst that processing did not keep up with.
  await acknowledge(warmup + count);
  await thread.idle();
  thread.kick();
  await done;
  await thread.idle();
  const [before, after] = marks as [(typeof marks)[number], (typeof marks)[number]];
  const wallMs = after.wall - before.wall;
  const processMs = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1000;
  const deltas = [...after.threads].map(([tid, ms]) => ms - (before.threads.get(tid) ?? 0)).sort((a, b) => b - a);
  const unprocessed = await thread.store.unprocessedNotifications(1);
  if (unprocessed.length > 0) throw new Error(`notification ${unprocessed[0]?.id} left unprocessed`);
  process.stdout.write(
    `${JSON.stringify({ notifications: count, wallMs, processMs, busiestThreadMs: deltas[0] ?? NaN, secondThreadMs: deltas[1] ?? NaN, runs })}\n`,
  );
  await thread.close(5_000);
} finally {
  await thread.store.close();
  rmSync(dir, { recursive: true, force: true });
}
