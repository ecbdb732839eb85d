/**
 * Ingest benchmark: acknowledged notifications per second and ack latency under 64 concurrent
 * senders, firebreak (`serve`, SQLite store, the shipped runbooks loaded, default settings)
 * against two bare `node:http` servers in the same run (bench/ingest/bare-server.ts): one that
 * only parses, one that appends and fsyncs each body on the thread pool before answering (the
 * limit of a durable ack). Beside them, three `serve` replicas on one PostgreSQL behind the
 * round-robin proxy of the replicas test (scripts/proxy/round-robin.ts, in this process), the
 * PostgreSQL a private cluster this benchmark starts (scripts/postgres/cluster.ts), a fresh
 * database each round. Rounds alternate the servers (A B C D A B C D) so drift on a shared
 * machine hits them alike; the ratio is taken per round.
 *
 *   node bench/ingest.ts [--seconds 10] [--rounds 2] [--connections 64] [--servers parse,fsync,sqlite,replicas]
 *                        [--baseline <another checkout>]
 *
 * Load: wrk (Debian package, installed when missing) with bench/ingest/notifications.lua. For
 * firebreak it also reports how long processing takes to drain the backlog after the load
 * stops, the longest event-loop delay, and peak RSS (for the replicas: the largest of the three).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../scripts/postgres/cluster.ts';
import { startProxy } from '../scripts/proxy/round-robin.ts';
import { scrape } from './support/metrics.ts';
import { ensureTool, startBare, startServe, stopProcess, WEBHOOK_TOKEN } from './support/process.ts';
import { fixed, machine, median, table } from './support/stats.ts';
import { runWrk, type WrkFigures } from './support/wrk.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '64' },
    /** Which servers to run, comma-separated: parse, fsync, sqlite, replicas. */
    servers: { type: 'string', default: 'parse,fsync,sqlite,replicas' },
    /** Another checkout of firebreak (a commit before a change): its serve on SQLite runs too, in turn. */
    baseline: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const script = join(import.meta.dirname, 'ingest/notifications.lua');

ensureTool('wrk');
const work = mkdtempSync(join(tmpdir(), 'firebreak-bench-ingest-'));

/** A server under load: where wrk sends, and for firebreak the processes to watch. */
interface Running {
  url: string;
  /** firebreak's `serve` processes (metrics, RSS); empty for the bare servers. */
  firebreak: Array<{ url: string; pid: number }>;
  /** Whether every notification acknowledged up to id `marker` has been processed. */
  drained(marker: number): Promise<boolean>;
  stop(): Promise<void>;
}

interface Server {
  name: string;
  start(round: number): Promise<Running>;
}

const bare = (mode: 'parse' | 'fsync'): Server => ({
  name: mode === 'parse' ? 'bare node:http, parse, 200' : 'bare node:http, append + fdatasync (thread pool), 200',
  async start(round) {
    const { url, started } = await startBare({ mode, file: join(work, `journal-${round}.log`), logFile: join(work, `bare-${mode}.log`) });
    return { url, firebreak: [], drained: async () => true, stop: () => stopProcess(started) };
  },
});

/**
 * Drained: the marker notification (posted after the load, so its id is above every one
 * acknowledged before) is in the store, and no notification is unprocessed. The store is asked
 * rather than the `firebreak_notifications_pending` gauge, which can stay above 0 after
 * everything was processed; the marker covers what firebreak acknowledged but has not yet
 * written to its store (SQLite: the inbox journal's records not yet imported).
 */
const DRAINED = (marker: number) =>
  `SELECT (SELECT COUNT(*) FROM notifications WHERE id >= ${Number(marker)}) AS marked, (SELECT COUNT(*) FROM notifications WHERE processed_at IS NULL) AS unprocessed`;
const isDrained = (row: { marked: unknown; unprocessed: unknown } | undefined) => Number(row?.marked) > 0 && Number(row?.unprocessed) === 0;

/** Posts an empty notification and returns its id (see DRAINED). */
async function postMarker(url: string): Promise<number> {
  const body = { version: '4', groupKey: 'bench-marker', status: 'firing', receiver: 'bench', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://bench', alerts: [] };
  const response = await fetch(`${url}/api/v1/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`the marker notification was refused: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { notificationId: number }).notificationId;
}

/** `firebreak serve` with the shipped runbooks; `store` unset means SQLite in the data directory. */
const startFirebreak = (name: string, store?: string, repo?: string) =>
  startServe({
    dataDir: join(work, `data-${name}`),
    logFile: join(work, `firebreak-${name}.log`),
    env: store === undefined ? {} : { FIREBREAK_STORE: store },
    timeoutMs: 180_000,
    ...(repo === undefined ? {} : { repo }),
  });

/** `serve` on SQLite, of this checkout or of `repo`. */
const onSqlite = (name: string, label: string, repo?: string): Server => ({
  name,
  async start(round) {
    const { url, started } = await startFirebreak(`${label}-${round}`, undefined, repo);
    // Drained as the store sees it (a second, read-only connection; WAL lets it read alongside).
    const db = new DatabaseSync(join(work, `data-${label}-${round}`, 'firebreak.db'), { readOnly: true });
    return {
      url,
      firebreak: [{ url, pid: started.child.pid as number }],
      drained: async (marker) => isDrained(db.prepare(DRAINED(marker)).get() as { marked: unknown; unprocessed: unknown } | undefined),
      async stop() {
        db.close();
        await stopProcess(started);
      },
    };
  },
});
const firebreak = onSqlite('firebreak serve (SQLite, shipped runbooks)', 'sqlite');
const baseline = values.baseline === undefined ? null : onSqlite(`firebreak serve of ${values.baseline} (SQLite, shipped runbooks)`, 'baseline', values.baseline);

let postgres: PostgresServer | undefined;
let postgresDir: string | undefined;
const REPLICAS = 3;
const replicas: Server = {
  name: `${REPLICAS} firebreak serve replicas (PostgreSQL, round-robin proxy, shipped runbooks)`,
  async start(round) {
    // Its own temp directory: as root the server runs as an unprivileged account that must reach it.
    postgresDir ??= mkdtempSync(join(tmpdir(), 'firebreak-bench-postgres-'));
    postgres ??= await startPostgres({ dir: postgresDir, startTimeoutMs: 120_000 });
    const store = await postgres.createDatabase('bench_ingest');
    const settled = await Promise.allSettled(Array.from({ length: REPLICAS }, (_, i) => startFirebreak(`postgres-${round}-${i + 1}`, store)));
    const serves = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const stopAll = async () => void (await Promise.all(serves.map((s) => stopProcess(s.started))));
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed !== undefined) {
      await stopAll();
      throw failed.reason;
    }
    const proxy = await startProxy(() => serves.map((s) => s.url));
    // Drained as the database sees it, as for SQLite: any replica may process what another stored.
    const db = new pg.Client({ connectionString: store });
    await db.connect();
    return {
      url: proxy.url,
      firebreak: serves.map((s) => ({ url: s.url, pid: s.started.child.pid as number })),
      drained: async (marker) => isDrained((await db.query<{ marked: unknown; unprocessed: unknown }>(DRAINED(marker))).rows[0]),
      async stop() {
        await db.end();
        await proxy.close();
        await stopAll();
      },
    };
  },
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
  const running = await server.start(round);
  const { url } = running;
  try {
    const watched = running.firebreak;
    const env = { FIREBREAK_BENCH_TOKEN: WEBHOOK_TOKEN };
    await runWrk({ url, script, seconds: 2, connections, threads: 2, env }); // warm-up
    if (watched.length > 0) await waitDrained(running, 120_000);
    for (const f of watched) await scrape(`${f.url}/metrics`); // resets the event-loop delay maximum
    const load = await runWrk({ url, script, seconds, connections, threads: 2, env });
    const row: Row = { server: server.name, round, load };
    if (watched.length > 0) {
      const stopped = performance.now();
      await waitDrained(running, 300_000);
      row.drainMs = performance.now() - stopped;
      const delays = await Promise.all(watched.map(async (f) => (await scrape(`${f.url}/metrics`)).get('nodejs_eventloop_lag_max_seconds') ?? NaN));
      row.loopDelayMaxMs = Math.max(...delays) * 1000;
      row.peakRssMiB = Math.max(...watched.map((f) => peakRss(f.pid)));
    }
    return row;
  } finally {
    await running.stop();
  }
}

async function waitDrained(running: Running, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const marker = await postMarker(running.url);
  while (!(await running.drained(marker))) {
    if (performance.now() > deadline) throw new Error(`processing did not drain within ${timeoutMs} ms`);
    await delay(50);
  }
}

const chosen = new Set(values.servers.split(','));
const byName = { parse: bare('parse'), fsync: bare('fsync'), sqlite: firebreak, replicas };
const servers = [...Object.entries(byName).flatMap(([key, server]) => (chosen.has(key) ? [server] : [])), ...(baseline === null ? [] : [baseline])];
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
  await postgres?.stop();
  if (postgresDir !== undefined) rmSync(postgresDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}

/** `server`'s rate over `baseline`'s, per round. */
const ratios = (server: string, baseline: string) =>
  rows.filter((r) => r.server === server).map((r) => r.load.rate / (rows.find((b) => b.server === baseline && b.round === r.round)?.load.rate ?? NaN));
const ratioLine = (label: string, server: string, baseline: string) => {
  const values = ratios(server, baseline);
  return `${label}, per round: ${values.map((x) => fixed(x, 2)).join(', ')} (median ${fixed(median(values), 2)})\n`;
};
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
  )}\n\n` +
    ratioLine('firebreak / fsync server', firebreak.name, byName.fsync.name) +
    ratioLine('firebreak / parse-only server', firebreak.name, byName.parse.name) +
    (baseline === null ? '' : ratioLine('baseline / fsync server', baseline.name, byName.fsync.name) + ratioLine('firebreak / baseline', firebreak.name, baseline.name)) +
    ratioLine(`${REPLICAS} replicas on PostgreSQL / fsync server`, replicas.name, byName.fsync.name) +
    ratioLine(`${REPLICAS} replicas on PostgreSQL / firebreak on SQLite`, replicas.name, firebreak.name),
);
