/** Runs wrk (Debian package `wrk`) with a Lua script that prints one JSON line of figures. */
import { spawn } from 'node:child_process';

export interface WrkFigures {
  requests: number;
  /** Requests per second over the run. */
  rate: number;
  socketErrors: number;
  non2xx: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export async function runWrk(options: { url: string; script: string; seconds: number; connections: number; threads: number; env?: Record<string, string> }): Promise<WrkFigures> {
  const args = [`-t${options.threads}`, `-c${options.connections}`, `-d${options.seconds}s`, '--timeout', '10s', '-s', options.script, options.url];
  const child = spawn('wrk', args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = out.split('\n').find((l) => l.startsWith('{"requests"'));
  if (code !== 0 || line === undefined) throw new Error(`wrk failed (exit ${code}):\n${out}`);
  const raw = JSON.parse(line) as { requests: number; durationUs: number; socketErrors: number; non2xx: number; p50Us: number; p99Us: number; maxUs: number };
  return {
    requests: raw.requests,
    rate: raw.requests / (raw.durationUs / 1e6),
    socketErrors: raw.socketErrors,
    non2xx: raw.non2xx,
    p50Ms: raw.p50Us / 1000,
    p99Ms: raw.p99Us / 1000,
    maxMs: raw.maxUs / 1000,
  };
}
