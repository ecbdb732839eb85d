/**
 * Validate benchmark: `firebreak validate` of 1,000 runbooks (the three shipped ones, each copied
 * 334 times under distinct names) against js-yaml + ajv alone on the same files
 * (bench/validate/baseline.ts: parse each file, validate it against runbooks/schema.json).
 * Whole processes, start-up included, run in turn (A B A B ...) after one warm-up each; the
 * ratio is taken pair by pair. firebreak runs as an operator runs it (`bin/firebreak`); both use
 * Node's compile cache (see src/main.ts).
 *
 *   node bench/validate.ts [--runs 7]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NODE } from './support/process.ts';
import { fixed, machine, median, table } from './support/stats.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Number(values.runs);
const repo = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'firebreak-bench-validate-'));

for (const file of readdirSync(join(repo, 'runbooks')).filter((f) => f.endsWith('.yaml'))) {
  const text = readFileSync(join(repo, 'runbooks', file), 'utf8');
  for (let i = 1; i <= 334; i++) writeFileSync(join(dir, `${file.replace(/\.yaml$/, '')}-${i}.yaml`), text.replace(/^name: (.*)$/m, `name: $1-${i}`));
}
const count = readdirSync(dir).length;

interface Timed {
  wallMs: number;
}

/** Runs a command to its end (it must exit 0); its wall time. */
function time([command, ...args]: [string, ...string[]]): Timed {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd: repo, encoding: 'utf8', env: { ...process.env, NODE_COMPILE_CACHE: cache } });
  const wallMs = performance.now() - started;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return { wallMs };
}

// Both run with Node's compile cache in the same directory (bin/firebreak's default), warm after
// the warm-up run: the baseline's TypeScript and its libraries are cached like firebreak's.
const cache = join(repo, '.cache', 'node-compile-cache');
const commands: Record<'firebreak' | 'baseline', [string, ...string[]]> = {
  firebreak: [join(repo, 'bin/firebreak'), 'validate', dir],
  baseline: [NODE, join(import.meta.dirname, 'validate/baseline.ts'), dir],
};

const rows: Array<{ run: number; firebreak: Timed; baseline: Timed }> = [];
try {
  process.stdout.write(`validate benchmark: ${count} runbooks, ${runs} runs each after a warm-up\nmachine: ${await machine()}\n`);
  time(commands.firebreak);
  time(commands.baseline);
  for (let run = 1; run <= runs; run++) {
    const firebreak = time(commands.firebreak);
    const baseline = time(commands.baseline);
    rows.push({ run, firebreak, baseline });
    process.stdout.write(`run ${run}: firebreak ${fixed(firebreak.wallMs)} ms, js-yaml + ajv ${fixed(baseline.wallMs)} ms\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const ratios = rows.map((r) => r.firebreak.wallMs / r.baseline.wallMs);
process.stdout.write(
  `\n${table(
    ['command', 'median ms', 'min ms', 'max ms'],
    [
      ['firebreak validate', fixed(median(rows.map((r) => r.firebreak.wallMs))), fixed(Math.min(...rows.map((r) => r.firebreak.wallMs))), fixed(Math.max(...rows.map((r) => r.firebreak.wallMs)))],
      ['js-yaml + ajv alone', fixed(median(rows.map((r) => r.baseline.wallMs))), fixed(Math.min(...rows.map((r) => r.baseline.wallMs))), fixed(Math.max(...rows.map((r) => r.baseline.wallMs)))],
    ],
  )}\n\nfirebreak / js-yaml + ajv, pair by pair: ${ratios.map((x) => fixed(x, 2)).join(', ')} (median ${fixed(median(ratios), 2)})\n`,
);
