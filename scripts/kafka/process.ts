/**
 * OS-level helpers for local broker processes: free ports, spawning a JVM, telling whether a
 * pid is still the broker we started (pids get reused), stopping it and waiting for its exit.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { delimiter } from 'node:path';
import { createServer, type Server } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Asks the OS for `count` distinct free ports on 127.0.0.1. All are held open until every one is
 * picked, so they are distinct; the usual small race (another process binds one before the
 * broker does) is handled by the caller retrying with new ports.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port assigned');
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** Whether util-linux `setpriv --pdeathsig` is available (Linux only). */
export function hasSetpriv(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    execFileSync('setpriv', ['--help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface SpawnJavaOptions {
  classpath: readonly string[];
  args: string[];
  /** File receiving the JVM's stdout and stderr (appended). */
  consoleLog: string;
  /**
   * true: the JVM outlives this process (own session, not waited for) — the CLI's case.
   * false: the JVM gets SIGKILL if this process dies (Linux, via `setpriv --pdeathsig`), so a
   * crashed or killed test run leaves no broker behind.
   */
  persistent: boolean;
}

/** Starts `java` with the classpath in the environment (keeps `ps` output readable). */
export function spawnJava(options: SpawnJavaOptions): ChildProcess {
  const fd = openSync(options.consoleLog, 'a');
  try {
    const pdeath = !options.persistent && hasSetpriv();
    const [command, args] = pdeath
      ? ['setpriv', ['--pdeathsig', 'KILL', 'java', ...options.args]]
      : ['java', options.args];
    const child = spawn(command, args, {
      detached: options.persistent,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, CLASSPATH: options.classpath.join(delimiter) },
    });
    if (options.persistent) child.unref();
    return child;
  } finally {
    closeSync(fd);
  }
}

/** Runs a short-lived `java` command to completion, capturing stdout and stderr together. */
export function runJava(classpath: readonly string[], args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CLASSPATH: classpath.join(delimiter) },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/**
 * Whether `pid` is alive and still runs a command line containing every `marker` (e.g. the
 * node's server.properties path), so a reused pid is never mistaken for our broker.
 */
export function isProcessRunning(pid: number, markers: readonly string[]): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  let cmdline: string;
  if (existsSync(`/proc/${pid}/cmdline`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (/^\d+ \(.*\) Z/.test(stat)) return false; // exited, not yet reaped
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      return false;
    }
  } else {
    try {
      cmdline = execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
    } catch {
      return false;
    }
  }
  return markers.every((m) => cmdline.includes(m));
}

/** Sends a signal, ignoring "no such process". */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Resolves true once `isAlive()` is false, or false when `timeoutMs` passes first. */
export async function waitForExit(isAlive: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive()) {
    if (Date.now() >= deadline) return false;
    await delay(50);
  }
  return true;
}

/**
 * Stops a process: `sig` first, SIGKILL after `graceMs` if it is still alive, then waits
 * (bounded) until it is gone. Resolves once the process no longer exists.
 */
export async function terminate(
  pid: number,
  isAlive: () => boolean,
  options: { signal?: 'SIGTERM' | 'SIGKILL'; graceMs?: number } = {},
): Promise<void> {
  if (!isAlive()) return;
  signal(pid, options.signal ?? 'SIGTERM');
  if (await waitForExit(isAlive, options.graceMs ?? 15_000)) return;
  signal(pid, 'SIGKILL');
  if (!(await waitForExit(isAlive, 10_000))) {
    throw new Error(`process ${pid} did not exit after SIGKILL`);
  }
}

/** Last `lines` lines of a text file, or '' if it does not exist. */
export function tailFile(path: string, lines = 40): string {
  if (!existsSync(path)) return '';
  const text = readFileSync(path, 'utf8');
  return text.split('\n').slice(-lines - 1).join('\n').trimEnd();
}
