/**
 * Processes for benchmarks: a free port, a child process started with its output in a log
 * file, waiting until it answers HTTP, and stopping it (SIGTERM, then SIGKILL after a grace).
 * Every benchmark stops what it started, also when it fails.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** The Node.js running this script (the project's Node 24 under npm). */
export const NODE = process.execPath;

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

export interface Started {
  child: ChildProcess;
  /** Milliseconds from spawn until `ready` answered. */
  readyMs: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Spawns `command args` with stdout and stderr appended to `logFile`, then polls `readyUrl`
 * every 5 ms until it answers 2xx (or fails after `timeoutMs`).
 */
export async function startProcess(options: {
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  logFile: string;
  readyUrl: string;
  timeoutMs?: number;
}): Promise<Started> {
  const out = openSync(options.logFile, 'a');
  const started = performance.now();
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = started + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (gone) throw new Error(`${options.command} ${options.args.join(' ')} exited before it was ready; see ${options.logFile}`);
    try {
      const response = await fetch(options.readyUrl);
      await response.body?.cancel();
      if (response.ok) return { child, readyMs: performance.now() - started, exited };
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${options.readyUrl} did not answer within ${options.timeoutMs ?? 60_000} ms; see ${options.logFile}`);
    }
    await delay(5);
  }
}

/** The repository root (where `bin/firebreak` and the shipped `runbooks/` are). */
export const REPO = join(import.meta.dirname, '..', '..');

/** The webhook and admin tokens every benchmark's `serve` is started with. */
export const WEBHOOK_TOKEN = 'bench-webhook-token-0001';
export const ADMIN_TOKEN = 'bench-admin-token-000001';

/**
 * Starts `bin/firebreak serve` (as an operator does: the project's Node, the compile cache) on a free port with its store in `dataDir`, the runbooks of
 * `runbooks` (the shipped ones when unset) and the benchmark tokens, and waits until `/readyz`
 * answers. `env` adds or overrides settings (FIREBREAK_STORE, FIREBREAK_MODE, ...). `repo`: another
 * checkout of firebreak to run (a baseline measured in the same run), default this one.
 */
export async function startServe(options: {
  dataDir: string;
  logFile: string;
  runbooks?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  repo?: string;
}): Promise<{ url: string; started: Started }> {
  const port = await freePort();
  const repo = options.repo ?? REPO;
  const started = await startProcess({
    command: join(repo, 'bin/firebreak'),
    args: ['serve'],
    cwd: repo,
    env: {
      FIREBREAK_LISTEN: `127.0.0.1:${port}`,
      FIREBREAK_DATA_DIR: options.dataDir,
      FIREBREAK_RUNBOOKS: options.runbooks ?? join(REPO, 'runbooks'),
      FIREBREAK_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
      FIREBREAK_API_TOKENS: `bench:admin:${ADMIN_TOKEN}`,
      ...options.env,
    },
    logFile: options.logFile,
    readyUrl: `http://127.0.0.1:${port}/readyz`,
    timeoutMs: options.timeoutMs,
  });
  return { url: `http://127.0.0.1:${port}`, started };
}

/**
 * Starts the bare `node:http` server of the ingest benchmark (bench/ingest/bare-server.ts) on a
 * free port: `parse` only parses each body, `fsync` also appends it to `file` and fdatasyncs.
 */
export async function startBare(options: { mode: 'parse' | 'fsync'; logFile: string; file?: string }): Promise<{ url: string; started: Started }> {
  const port = await freePort();
  const args = [join(REPO, 'bench/ingest/bare-server.ts'), '--mode', options.mode, '--port', String(port)];
  if (options.file !== undefined) args.push('--file', options.file);
  const started = await startProcess({ command: NODE, args, logFile: options.logFile, readyUrl: `http://127.0.0.1:${port}/` });
  return { url: `http://127.0.0.1:${port}`, started };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once it exited. */
export async function stopProcess(started: Started, graceMs = 30_000): Promise<void> {
  if (started.child.exitCode !== null || started.child.signalCode !== null) return;
  started.child.kill('SIGTERM');
  const timer = setTimeout(() => started.child.kill('SIGKILL'), graceMs);
  await started.exited;
  clearTimeout(timer);
}

/**
 * Makes sure a Debian tool is installed: installs `pkg` with apt-get when `tool` is missing and
 * this runs as root, else stops with the command to run.
 */
export function ensureTool(tool: string, pkg = tool): void {
  if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`${tool} is missing: install it with "sudo apt-get install ${pkg}"`);
  process.stderr.write(`installing ${pkg} (apt-get)\n`);
  const result = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', pkg], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0) throw new Error(`apt-get install ${pkg} failed`);
}
