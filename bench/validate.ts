/**
 * Validate benchmark: `firebreak validate` of 1,000 runbooks (the three shipped ones, each copied
 * 334 times under distinct names) against js-yaml + ajv alone on the same files
 * (bench/validate/baseline.ts: parse each file, validate it against runbooks/schema.json).
 * Whole processes, start-up included, run in turn (A B A B ...) after one warm-up each; the
 * ratio is taken pair by pair, of wall time and of CPU time (user + system, as each process
 * counts it at exit: steadier than wall time on a busy machine). firebreak runs as an operator
 * runs it (`bin/firebreak`); both use Node's compile cache (see src/main.ts).
 *
 *   node bench/validate.ts [--runs 7] [--baseline <another checkout>]
 *
 * `--baseline`: another checkout of firebreak (a commit before a change) validates the same files
 * in turn too (firebreak, js-yaml + ajv, the other checkout in each run), and the summary gives
 * firebreak over it, run by run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { NODE } from './support/process.ts';
import { fixed, machine, median, table } from './support/stats.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, baseline: { type: 'string' } } });
const runs = Number(values.runs);
const repo = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'firebreak-bench-validate-'));
const cpuFile = join(dir, 'cpu.txt');

for (const file of readdirSync(join(repo, 'runbooks')).filter((f) => f.endsWith('.yaml'))) {
  const text = readFileSync(join(repo, 'runbooks', file), 'utf8');
  for (let i = 1; i <= 334; i++) writeFileSync(join(dir, `${file.replace(/\.yaml$/, '')}-${i}.yaml`), text.replace(/^name: (.*)$/m, `name: $1-${i}`));
}
const count = readdirSync(dir).filter((f) => f.endsWith('.yaml')).length;

interface Timed {
  wallMs: number;
  /** User + system CPU time of the process, ms. */
  cpuMs: number;
}

/** Runs a command to its end (it must exit 0); its wall time and the CPU time it reported. */
function time([command, ...args]: [string, ...string[]], cwd: string): Timed {
  writeFileSync(cpuFile, '');
  const env = {
    ...process.env,
    NODE_COMPILE_CACHE: join(cwd, '.cache', 'node-compile-cache'),
    NODE_OPTIONS: `--import ${join(import.meta.dirname, 'support/report-cpu.ts')}`,
    FIREBREAK_BENCH_CPU_FILE: cpuFile,
  };
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env });
  const wallMs = performance.now() - started;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  const [user = NaN, system = NaN] = readFileSync(cpuFile, 'utf8').trim().split(/\s+/).map(Number);
  return { wallMs, cpuMs: (user + system) / 1000 };
}

// All run with Node's compile cache of their checkout (bin/firebreak's default), warm after the
// warm-up run: the baseline's TypeScript and its libraries are cached like firebreak's.
type Name = 'firebreak' | 'js-yaml + ajv' | 'before';
const commands: Array<{ name: Name; label: string; cwd: string; argv: [string, ...string[]] }> = [
  { name: 'firebreak', label: 'firebreak validate', cwd: repo, argv: [join(repo, 'bin/firebreak'), 'validate', dir] },
  { name: 'js-yaml + ajv', label: 'js-yaml + ajv alone', cwd: repo, argv: [NODE, join(import.meta.dirname, 'validate/baseline.ts'), dir] },
];
if (values.baseline !== undefined) {
  const other = resolve(values.baseline);
  commands.push({ name: 'before', label: `firebreak validate of ${values.baseline}`, cwd: other, argv: [join(other, 'bin/firebreak'), 'validate', dir] });
}

const rows: Array<Record<Name, Timed | undefined>> = [];
try {
  process.stdout.write(`validate benchmark: ${count} runbooks, ${runs} runs each after a warm-up\nmachine: ${await machine()}\n`);
  for (const c of commands) time(c.argv, c.cwd);
  for (let run = 1; run <= runs; run++) {
    const row: Record<Name, Timed | undefined> = { firebreak: undefined, 'js-yaml + ajv': undefined, before: undefined };
    for (const c of commands) row[c.name] = time(c.argv, c.cwd);
    rows.push(row);
    process.stdout.write(`run ${run}: ${commands.map((c) => `${c.name} ${fixed(row[c.name]?.wallMs ?? NaN)} ms (CPU ${fixed(row[c.name]?.cpuMs ?? NaN)} ms)`).join(', ')}\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const of = (name: Name, pick: (t: Timed) => number): number[] => rows.map((r) => (r[name] === undefined ? NaN : pick(r[name])));
const wall = (t: Timed): number => t.wallMs;
const cpu = (t: Timed): number => t.cpuMs;
const stats = (xs: number[]): string[] => [fixed(median(xs)), fixed(Math.min(...xs)), fixed(Math.max(...xs))];
/** firebreak over `name`, run by run. */
const ratios = (name: Name, pick: (t: Timed) => number): number[] => of('firebreak', pick).map((x, i) => x / (of(name, pick)[i] ?? NaN));
const line = (name: Name): string => {
  const w = ratios(name, wall);
  const c = ratios(name, cpu);
  return `firebreak / ${name}, pair by pair: wall ${w.map((x) => fixed(x, 2)).join(', ')} (median ${fixed(median(w), 2)}); CPU ${c.map((x) => fixed(x, 2)).join(', ')} (median ${fixed(median(c), 2)})\n`;
};
process.stdout.write(
  `\n${table(
    ['command', 'median ms', 'min ms', 'max ms', 'CPU median ms', 'CPU min ms', 'CPU max ms'],
    commands.map((c) => [c.label, ...stats(of(c.name, wall)), ...stats(of(c.name, cpu))]),
  )}\n\n${commands
    .filter((c) => c.name !== 'firebreak')
    .map((c) => line(c.name))
    .join('')}`,
);
