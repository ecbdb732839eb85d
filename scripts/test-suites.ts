/**
 * Runs several test suites (npm scripts) at the same time and reports each one whole, so their
 * output never interleaves: the suites spend most of their time waiting on brokers, servers and
 * timers, not on the CPU, and side by side they take the time of the longest one.
 *
 *   node scripts/test-suites.ts test:integration:local test:integration:kafka test:kafka4 test:e2e
 *
 * Each suite's output is buffered and printed when it ends, under a heading with its outcome and
 * duration; a line says when each starts and ends. The exit status is 1 when any suite failed.
 * FIREBREAK_TEST_SERIAL=1 runs them one after another instead (a small machine, or to follow one
 * suite's output as it happens).
 */
import { spawn } from 'node:child_process';

interface Outcome {
  name: string;
  code: number;
  seconds: number;
  output: string;
}

function runSuite(name: string, stream: boolean): Promise<Outcome> {
  const started = Date.now();
  process.stderr.write(`[suites] ${name}: started\n`);
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '-s', name], { stdio: ['ignore', stream ? 'inherit' : 'pipe', stream ? 'inherit' : 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk));
    const done = (code: number) => {
      const seconds = Math.round((Date.now() - started) / 1000);
      process.stderr.write(`[suites] ${name}: ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${seconds} s\n`);
      resolve({ name, code, seconds, output: Buffer.concat(chunks).toString('utf8') });
    };
    child.on('error', (err) => {
      chunks.push(Buffer.from(`${err.message}\n`));
      done(127);
    });
    child.on('close', (code, signal) => done(code ?? (signal === null ? 1 : 128)));
  });
}

function report(outcome: Outcome): void {
  if (outcome.output === '') return;
  const verdict = outcome.code === 0 ? 'passed' : `FAILED (exit ${outcome.code})`;
  process.stdout.write(`\n===== ${outcome.name}: ${verdict} in ${outcome.seconds} s =====\n${outcome.output}`);
}

const suites = process.argv.slice(2);
if (suites.length === 0) {
  process.stderr.write('usage: node scripts/test-suites.ts <npm script>...\n');
  process.exit(2);
}

const serial = process.env['FIREBREAK_TEST_SERIAL'] === '1';
const outcomes: Outcome[] = [];
if (serial) {
  for (const name of suites) outcomes.push(await runSuite(name, true));
} else {
  // Reported in the order they finish: a failure shows as soon as its suite ends.
  await Promise.all(
    suites.map(async (name) => {
      const outcome = await runSuite(name, false);
      report(outcome);
      outcomes.push(outcome);
    }),
  );
}

const failed = outcomes.filter((o) => o.code !== 0);
process.stdout.write(`\n[suites] ${outcomes.map((o) => `${o.name} ${o.code === 0 ? 'passed' : 'FAILED'} (${o.seconds} s)`).join(', ')}\n`);
process.exitCode = failed.length === 0 ? 0 : 1;
