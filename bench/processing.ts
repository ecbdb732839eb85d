/**
 * Processing benchmark: CPU time per 1,000 notifications processed, the cost that decides how
 * fast the backlog drains once an ingest burst stops. Each run is a process of its own
 * (bench/processing/drain.ts): the ingest thread of a checkout on a fresh SQLite file with the
 * inbox journal and the shipped runbooks, a backlog of the ingest benchmark's notifications
 * acknowledged and imported, then drained; CPU (user + system, of the process and of the
 * ingest thread) is counted over the drain, after a warm-up. With `--baseline <another
 * checkout>` that checkout's code runs too, alternating (A B A B), and the ratio is taken on
 * the medians. CPU time depends much less on the machine's load than wall time; the load is
 * printed anyway.
 *
 *   node bench/processing.ts [--notifications 5000] [--warmup 1000] [--runs 5] [--baseline <checkout>]
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NODE, REPO } from './support/process.ts';
import { fixed, machine, median, table } from './support/stats.ts';

const { values } = parseArgs({
  options: {
    notifications: { type: 'string', default: '5000' },
    warmup: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '5' },
    /** Another checkout of firebreak (a commit before a change): its processing runs too, in turn. */
    baseline: { type: 'string' },
  },
});
const runs = Number(values.runs);
const notifications = Number(values.notifications);
const child = join(import.meta.dirname, 'processing/drain.ts');

interface Figures {
  notifications: number;
  wallMs: number;
  processMs: number;
  busiestThreadMs: number;
  runs: number;
}

function drain(repo: string): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const proc = spawn(NODE, [child, '--repo', repo, '--notifications', String(notifications), '--warmup', values.warmup], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    proc.once('exit', (code) => {
      if (code !== 0) reject(new Error(`${child} --repo ${repo} exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1) as string) as Figures);
    });
  });
}

const contenders = [{ name: 'this checkout', repo: REPO }, ...(values.baseline === undefined ? [] : [{ name: `baseline (${values.baseline})`, repo: values.baseline }])];
console.log(`# Processing: CPU per 1,000 notifications drained\n\n${await machine()}\n${notifications} notifications after a warm-up of ${values.warmup}, ${runs} runs each\n`);
const rows: Array<{ name: string; run: number; figures: Figures }> = [];
for (let run = 1; run <= runs; run++) {
  for (const { name, repo } of contenders) rows.push({ name, run, figures: await drain(repo) });
}
const per1000 = (ms: number) => (ms / notifications) * 1000;
console.log(
  table(
    ['code', 'run', 'drain ms', 'notifications/s', 'process CPU ms per 1,000', 'ingest thread CPU ms per 1,000', 'runs requested'],
    rows.map(({ name, run, figures: f }) => [name, run, fixed(f.wallMs), fixed((notifications / f.wallMs) * 1000), fixed(per1000(f.processMs)), fixed(per1000(f.busiestThreadMs)), f.runs]),
  ),
);
const medians = contenders.map(({ name }) => {
  const mine = rows.filter((r) => r.name === name).map((r) => r.figures);
  return { name, processMs: median(mine.map((f) => per1000(f.processMs))), threadMs: median(mine.map((f) => per1000(f.busiestThreadMs))), wallMs: median(mine.map((f) => f.wallMs)) };
});
console.log(`\n${table(['code', 'median drain ms', 'median process CPU ms per 1,000', 'median ingest thread CPU ms per 1,000'], medians.map((m) => [m.name, fixed(m.wallMs), fixed(m.processMs), fixed(m.threadMs)]))}`);
const [mine, base] = medians;
if (mine !== undefined && base !== undefined) {
  console.log(`\nthis checkout / baseline, CPU per notification: process ${fixed(mine.processMs / base.processMs, 2)}, ingest thread ${fixed(mine.threadMs / base.threadMs, 2)}; drain time ${fixed(mine.wallMs / base.wallMs, 2)}`);
}
console.log(`load average at the end: ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
