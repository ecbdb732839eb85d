/**
 * Start-up benchmark: time from spawn until `/readyz` answers 200, and resident memory once idle,
 * for firebreak (`serve`, SQLite store in a fresh data directory, the shipped runbooks) against
 * the bare `node:http` server of the ingest benchmark (parse mode), in turn (A B A B ...).
 *
 *   node bench/startup.ts [--runs 7] [--baseline <another checkout>]
 *
 * `--baseline`: another checkout of firebreak (a commit before a change) starts in turn too
 * (firebreak, baseline, bare in each run), and the summary gives idle RSS and ready time over the
 * baseline's, run by run.
 *
 * Idle RSS is read from /proc after the server has been ready for 2 s and has answered a few
 * requests (the lazily loaded parts of the ingest path are then in).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { REPO, startBare, startServe, stopProcess, WEBHOOK_TOKEN, type Started } from './support/process.ts';
import { fixed, machine, median, table } from './support/stats.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, baseline: { type: 'string' } } });
const runs = Number(values.runs);
const work = mkdtempSync(join(tmpdir(), 'firebreak-bench-startup-'));

interface Server {
  name: string;
  start(run: number): Promise<{ url: string; started: Started }>;
  warm(url: string): Promise<void>;
}

const bare: Server = {
  name: 'bare node:http',
  start: () => startBare({ mode: 'parse', logFile: join(work, 'bare.log') }),
  warm: async (url) => {
    await (await fetch(`${url}/`, { method: 'POST', body: '{}' })).text();
  },
};

const notification = readFileSync(join(REPO, 'test/fixtures/alertmanager/grouped-firing.json'), 'utf8');

/** Five webhook requests and a scrape: the lazily loaded parts of the ingest path are then in. */
async function warmFirebreak(url: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const response = await fetch(`${url}/api/v1/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${WEBHOOK_TOKEN}` },
      body: notification,
    });
    await response.text();
  }
  await (await fetch(`${url}/metrics`)).text();
}

const firebreak: Server = {
  name: 'firebreak serve (SQLite, shipped runbooks)',
  start: (run) => startServe({ dataDir: join(work, `data-${run}`), logFile: join(work, 'firebreak.log') }),
  warm: warmFirebreak,
};

const baseline: Server | null =
  values.baseline === undefined
    ? null
    : {
        name: `firebreak serve of ${values.baseline}`,
        start: (run) => startServe({ dataDir: join(work, `baseline-${run}`), logFile: join(work, 'baseline.log'), repo: values.baseline }),
        warm: warmFirebreak,
      };
const servers = [firebreak, ...(baseline === null ? [] : [baseline]), bare];

function rss(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? NaN : Number(match[1]) / 1024;
}

interface Row {
  server: string;
  run: number;
  readyMs: number;
  idleRssMiB: number;
}

async function measure(server: Server, run: number): Promise<Row> {
  const { url, started } = await server.start(run);
  try {
    await server.warm(url);
    await delay(2_000);
    return { server: server.name, run, readyMs: started.readyMs, idleRssMiB: rss(started.child.pid as number) };
  } finally {
    await stopProcess(started);
  }
}

const rows: Row[] = [];
try {
  process.stdout.write(`start-up benchmark, ${runs} runs each\nmachine: ${await machine()}\n`);
  for (let run = 1; run <= runs; run++) {
    for (const server of servers) {
      const row = await measure(server, run);
      rows.push(row);
      process.stdout.write(`run ${run}: ${server.name}: ready in ${fixed(row.readyMs)} ms, idle RSS ${fixed(row.idleRssMiB)} MiB\n`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

const of = (name: string, pick: (r: Row) => number) => rows.filter((r) => r.server === name).map(pick);
const ratios = rows.filter((r) => r.server === firebreak.name).map((r) => r.readyMs / (rows.find((b) => b.server === bare.name && b.run === r.run)?.readyMs ?? NaN));
process.stdout.write(
  `\n${table(
    ['server', 'ready median ms', 'ready min-max ms', 'idle RSS median MiB'],
    servers.map((s) => [
      s.name,
      fixed(median(of(s.name, (r) => r.readyMs))),
      `${fixed(Math.min(...of(s.name, (r) => r.readyMs)))}-${fixed(Math.max(...of(s.name, (r) => r.readyMs)))}`,
      fixed(median(of(s.name, (r) => r.idleRssMiB))),
    ]),
  )}\n\nfirebreak / bare, ready time, run by run: ${ratios.map((x) => fixed(x, 1)).join(', ')} (median ${fixed(median(ratios), 1)})\n`,
);
if (baseline !== null) {
  const against = (pick: (r: Row) => number) =>
    rows.filter((r) => r.server === firebreak.name).map((r) => pick(r) / pick(rows.find((b) => b.server === baseline.name && b.run === r.run) ?? { server: '', run: 0, readyMs: NaN, idleRssMiB: NaN }));
  const rss = against((r) => r.idleRssMiB);
  const ready = against((r) => r.readyMs);
  process.stdout.write(
    `firebreak / baseline, run by run: idle RSS ${rss.map((x) => fixed(x, 2)).join(', ')} (median ${fixed(median(rss), 2)}); ready time ${ready.map((x) => fixed(x, 2)).join(', ')} (median ${fixed(median(ready), 2)})\n`,
  );
}
