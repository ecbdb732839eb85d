/**
 * Ingest benchmark: acknowledged notifications per second and ack latency under 64 concurrent
 * senders, firebreak (`serve`, SQLite store, the shipped runbooks loaded, default settings)
 * against two bare `node:http` servers in the same run (bench/ingest/bare-server.ts): one that
 * only parses, one that appends and fsyncs each body on the thread pool before answering (the
 * limit of a durable ack). Rounds alternate the servers (A B C A B C) so drift on a shared
 * machine hits them alike; the ratio is taken per round.
 *
 *   node bench/ingest.ts [--seconds 10] [--rounds 2] [--connections 64]
 *
 * Load: wrk (Debian package, installed when missing) with bench/ingest/notifications.lua. For
 * firebreak it also reports how long processing takes to drain the backlog after the load
 * stops, the longest event-loop delay, and peak RSS.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { scrape } from './support/metrics.ts';
import { ensureTool, freePort, NODE, startProcess, stopProcess, type Started } from './support/process.ts';
import { fixed, machine, median, table } from './support/stats.ts';
import { runWrk, type WrkFigures } from './support/wrk.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '64' },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const repo = join(import.meta.dirname, '..');
const script = join(import.meta.dirname, 'ingest/notifications.lua');
const WEBHOOK_TOKEN = 'bench-webhook-token-0001';
const ADMIN_TOKEN = 'bench-admin-token-000001';

ensureTool('wrk');
const work = mkdtempSync(join(tmpdir(), 'firebreak-bench-ingest-'));

interface Server {
  name: string;
  start(port: number, round: number): Promise<Started>;
}

const bare = (mode: 'parse' | 'fsync'): Server => ({
  name: mode === 'parse' ? 'bare node:http, parse, 200' : 'bare node:http, append + fdatasync (thread pool), 200',
  start: (port, round) =>
    startProcess({
      command: NODE,
      args: [join(import.meta.dirname, 'ingest/bare-server.ts'), '--mode', mode, '--port', String(port), '--file', join(work, `journal-${round}.log`)],
      logFile: join(work, `bare-${mode}.log`),
      readyUrl: `http://127.0.0.1:${port}/`,
    }),
});

const firebreak: Server = {
  name: 'firebreak serve (SQLite, shipped runbooks)',
  start: (port, round) =>
    startProcess({
      command: NODE,
      args: [join(repo, 'src/main.ts'), 'serve'],
      cwd: repo,
      env: {
        FIREBREAK_LISTEN: `127.0.0.1:${port}`,
        FIREBREAK_DATA_DIR: join(work, `data-${round}`),
        FIREBREAK_RUNBOOKS: join(repo, 'runbooks'),
        FIREBREAK_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
        FIREBREAK_API_TOKENS: `bench:admin:${ADMIN_TOKEN}`,
      },
      logFile: join(work, 'firebreak.log'),
      readyUrl: `http://127.0.0.1:${port}/readyz`,
    }),
};

interface Row {
  server: string;
  round: number;
  load: WrkFigures;
  drainMs?: number;
  loopDelayMaxMs?: number;
  peakRssMiB?: number;
}

/** Peak resident set of a process (VmHWM), MiB. */
function peakRss(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? NaN : Number(match[1]) / 1024;
}

async function measure(server: Server, round: number): Promise<Row> {
  const port = await freePort();
  const started = await server.start(port, round);
  const url = `http://127.0.0.1:${port}`;
  try {
    const isFirebreak = server === firebreak;
    const env = { FIREBREAK_BENCH_TOKEN: WEBHOOK_TOKEN };
    await runWrk({ url, script, seconds: 2, connections, threads: 2, env }); // warm-up
    if (isFirebreak) await waitDrained(url, 120_000);
    if (isFirebreak) await scrape(`${url}/metrics`); // resets the event-loop delay maximum
    const load = await runWrk({ url, script, seconds, connections, threads: 2, env });
    const row: Row = { server: server.name, round, load };
    if (isFirebreak) {
      const stopped = performance.now();
      await waitDrained(url, 300_000);
      row.drainMs = performance.now() - stopped;
      const metrics = await scrape(`${url}/metrics`);
      row.loopDelayMaxMs = (metrics.get('nodejs_eventloop_lag_max_seconds') ?? NaN) * 1000;
      row.peakRssMiB = peakRss(started.child.pid as number);
    }
    return row;
  } finally {
    await stopProcess(started);
  }
}

async function waitDrained(url: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while ((await scrape(`${url}/metrics`)).get('firebreak_notifications_pending') !== 0) {
    if (performance.now() > deadline) throw new Error(`processing did not drain within ${timeoutMs} ms`);
    await delay(50);
  }
}

const servers = [bare('parse'), bare('fsync'), firebreak];
const rows: Row[] = [];
try {
  process.stdout.write(`ingest benchmark: ${connections} connections, ${seconds} s per run, ${rounds} round(s)\nmachine: ${await machine()}\n`);
  for (let round = 1; round <= rounds; round++) {
    for (const server of servers) {
      const row = await measure(server, round);
      rows.push(row);
      process.stdout.write(`round ${round}: ${server.name}: ${fixed(row.load.rate)} acks/s, p50 ${fixed(row.load.p50Ms, 1)} ms, p99 ${fixed(row.load.p99Ms, 1)} ms\n`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const ratios = (name: string) =>
  rows.filter((r) => r.server === firebreak.name).map((r) => r.load.rate / (rows.find((b) => b.server === name && b.round === r.round)?.load.rate ?? NaN));
process.stdout.write(
  `\n${table(
    ['server', 'round', 'acks/s', 'p50 ms', 'p99 ms', 'max ms', 'errors', 'drain ms', 'max loop delay ms', 'peak RSS MiB'],
    rows.map((r) => [
      r.server,
      r.round,
      fixed(r.load.rate),
      fixed(r.load.p50Ms, 1),
      fixed(r.load.p99Ms, 1),
      fixed(r.load.maxMs, 1),
      r.load.socketErrors + r.load.non2xx,
      r.drainMs === undefined ? '' : fixed(r.drainMs),
      r.loopDelayMaxMs === undefined ? '' : fixed(r.loopDelayMaxMs),
      r.peakRssMiB === undefined ? '' : fixed(r.peakRssMiB),
    ]),
  )}\n\nfirebreak / fsync server, per round: ${ratios(servers[1]!.name).map((x) => fixed(x, 2)).join(', ')} (median ${fixed(median(ratios(servers[1]!.name)), 2)})\n` +
    `firebreak / parse-only server, per round: ${ratios(servers[0]!.name).map((x) => fixed(x, 2)).join(', ')} (median ${fixed(median(ratios(servers[0]!.name)), 2)})\n`,
);
