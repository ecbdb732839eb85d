/**
 * Runs the real `firebreak serve` executable (bin/firebreak) as a child process for tests: waits
 * for its "listening" log line to learn the port (it listens on 127.0.0.1:0), collects its JSON
 * log lines, and reports how it exited. Every test must end the process it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const FIREBREAK_BIN = join(import.meta.dirname, '../../../bin/firebreak');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServeProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` once listening. */
  url: string;
  /** Parsed stdout log lines so far. */
  logs: Array<Record<string, unknown>>;
  /** Raw stdout and stderr text so far. */
  output(): { stdout: string; stderr: string };
  exited: Promise<Exit>;
  kill(signal: NodeJS.Signals): void;
  /** Resolves with the first log line matching `predicate`, or rejects after `timeoutMs` or at exit. */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export interface SpawnOptions {
  cwd: string;
  env: Record<string, string>;
  args?: string[];
  /** What to run instead of `bin/firebreak serve <args>` (e.g. `npm start`); `args` is then ignored. */
  command?: { file: string; args: string[] };
  /** Starts it in a process group of its own, so `killGroup` can end it with its children. */
  detached?: boolean;
  /** How long {@link startServe} waits for the `listening` line. Default 60 000 ms. */
  startTimeoutMs?: number;
}

/** Starts the process and collects its output, without waiting for anything. */
export function spawnFirebreak(options: SpawnOptions): Omit<ServeProcess, 'url'> {
  const command = options.command ?? { file: FIREBREAK_BIN, args: ['serve', ...(options.args ?? [])] };
  const child = spawn(command.file, command.args, {
    cwd: options.cwd,
    // Only what the test sets, plus what the launcher needs to find Node.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: options.cwd, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  const logs: Array<Record<string, unknown>> = [];
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    stdout += `${line}\n`;
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // Not a log line; kept in stdout.
    }
    for (const wake of waiters) wake();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  let exitInfo: Exit | null = null;
  const exited = new Promise<Exit>((resolve) => {
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      for (const wake of waiters) wake();
      resolve(exitInfo);
    });
  });

  function waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs = 60_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`no matching log line within ${timeoutMs} ms\n${stdout}\n${stderr}`)), timeoutMs);
      const check = () => {
        const found = logs.find(predicate);
        if (found !== undefined) finish(null, found);
        else if (exitInfo !== null) finish(new Error(`firebreak exited (${JSON.stringify(exitInfo)}) before the expected log line\n${stdout}\n${stderr}`));
      };
      function finish(err: Error | null, line?: Record<string, unknown>) {
        clearTimeout(timer);
        waiters.delete(check);
        if (err !== null) reject(err);
        else resolve(line as Record<string, unknown>);
      }
      waiters.add(check);
      check();
    });
  }

  return {
    child,
    logs,
    output: () => ({ stdout, stderr }),
    exited,
    kill: (signal) => {
      if (exitInfo === null) child.kill(signal);
    },
    waitForLog,
  };
}

/** Starts `firebreak serve` and resolves once it listens. */
export async function startServe(options: SpawnOptions): Promise<ServeProcess> {
  const proc = spawnFirebreak(options);
  try {
    const listening = await proc.waitForLog((l) => l.msg === 'listening', options.startTimeoutMs);
    return { ...proc, url: String(listening.url) };
  } catch (err) {
    if (options.detached === true) await killGroup(proc);
    else {
      proc.kill('SIGKILL');
      await proc.exited;
    }
    throw err;
  }
}

/** Ends the process if it still runs (SIGKILL) and waits for it: for `afterEach`. */
export async function ensureStopped(proc: { kill(signal: NodeJS.Signals): void; exited: Promise<Exit> } | undefined): Promise<void> {
  if (proc === undefined) return;
  proc.kill('SIGKILL');
  await proc.exited;
}

/**
 * SIGKILLs the process group of a process started with `detached: true` (a launcher such as npm
 * and everything it started) if it still runs, and waits for the leader: for `afterEach`.
 */
export async function killGroup(proc: { child: ChildProcess; exited: Promise<Exit> } | undefined): Promise<void> {
  if (proc === undefined || proc.child.pid === undefined) return;
  try {
    process.kill(-proc.child.pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
  await proc.exited;
}
