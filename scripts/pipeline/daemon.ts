/**
 * One long-running helper process of the monitoring pipeline (Prometheus, Alertmanager, the lag
 * exporter): started in a process group of its own, its output kept (the last 64 KiB) for error
 * messages, ready once an HTTP URL answers 200, and stopped with its whole group so nothing it
 * forked is left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { freePorts } from '../kafka/process.ts';

export interface DaemonOptions {
  /** Name for messages, e.g. "Prometheus". */
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Answers 200 once the process serves. */
  readyUrl: string;
  /** Bound on waiting for readyUrl. Default 60 s. */
  readyTimeoutMs?: number;
  /** A file that receives all of its output too. */
  logFile?: string;
}

export interface Daemon {
  readonly name: string;
  readonly pid: number;
  /** The process's stdout and stderr so far (the last 64 KiB). */
  output(): string;
  /** Whether the process has exited. */
  exited(): boolean;
  /** SIGTERM to the process group, SIGKILL after `graceMs` (default 10 s); resolves once the leader exited. */
  stop(graceMs?: number): Promise<void>;
}

const OUTPUT_LIMIT = 64 * 1024;

/** Starts the process and resolves once `readyUrl` answers 200; stops it and rejects if it exits or the wait times out. */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const child: ChildProcess = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const log = options.logFile === undefined ? undefined : createWriteStream(options.logFile, { flags: 'a' });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
    log?.write(chunk);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let error: Error | undefined;
  child.on('error', (err) => (error = err));
  const exit = new Promise<void>((resolve) => child.once('close', () => (log === undefined ? resolve() : log.end(() => resolve()))));
  const exited = () => child.exitCode !== null || child.signalCode !== null || error !== undefined;

  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is gone already.
    }
  };
  const daemon: Daemon = {
    name: options.name,
    pid: child.pid ?? -1,
    output: () => output,
    exited,
    async stop(graceMs = 10_000) {
      signalGroup('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exit, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
      // The leader may be gone while processes it forked still run: end the whole group either way.
      signalGroup('SIGKILL');
      await exit;
    },
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exited()) {
      await daemon.stop(0);
      throw new Error(`${options.name} exited at start${error === undefined ? '' : ` (${error.message})`}:\n${output}`);
    }
    const ready = await fetch(options.readyUrl, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return daemon;
    if (Date.now() > deadline) {
      await daemon.stop(2_000);
      throw new Error(`${options.name} did not answer ${options.readyUrl} within ${options.readyTimeoutMs ?? 60_000} ms:\n${output}`);
    }
    await delay(200);
  }
}

/**
 * Runs `start` with a port the OS reports free, and again with another one (up to `attempts`
 * times) if it fails: a free port is only free until someone else binds it.
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    const [port] = await freePorts(1);
    try {
      return await start(port!);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}
