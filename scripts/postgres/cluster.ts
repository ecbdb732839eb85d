/**
 * A private PostgreSQL server for tests and benchmarks: Debian's `postgresql` binaries
 * (initdb, postgres), a new cluster in a directory of the caller's, on 127.0.0.1 and a free
 * port, TCP only (no Unix socket), password authentication. Never the system's service.
 *
 * PostgreSQL refuses to run as root. When this process is root (CI, containers), the server runs
 * as the unprivileged `postgres` account the Debian package creates (falling back to `nobody`),
 * which owns the cluster directory; otherwise as the current user.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';

export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The data directory (its `server.log` has the server's output). */
  dir: string;
  /** PID of the running server, null while stopped. */
  pid(): number | null;
  /** `postgres://user:password@127.0.0.1:port/<database>`. */
  url(database?: string): string;
  /** Creates a database with a unique name (prefix + random) and returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
  /** Fast shutdown (SIGINT): sessions are ended, the server stops; data stays. */
  stop(): Promise<void>;
  /** Starts the stopped server again on the same port and directory. */
  start(): Promise<void>;
}

export interface StartOptions {
  /** Cluster directory; created when missing. As root, its parent must be reachable by that account (the temp directory is). */
  dir: string;
  /** Directory of initdb and postgres; default the newest /usr/lib/postgresql/<version>/bin. */
  binDir?: string;
  /** Default 200: three replicas' pools and the tests' own stores. */
  maxConnections?: number;
  startTimeoutMs?: number;
  log?: (message: string) => void;
}

/** The newest installed server's binaries, or an error naming the package to install. */
export function findBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] === undefined) {
    throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql/<version>/bin: install the Debian package postgresql (scripts/ci-deps.sh does)');
  }
  return join(root, versions[0], 'bin');
}

/** uid/gid to run the server as: ourselves, or an unprivileged account when we are root. */
function serverAccount(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const id = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (id.status === 0 && gid.status === 0) return { uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  throw new Error('running as root, and neither the postgres nor the nobody account exists to run PostgreSQL as');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function startPostgres(options: StartOptions): Promise<PostgresServer> {
  const binDir = options.binDir ?? findBinDir();
  const log = options.log ?? (() => undefined);
  const account = serverAccount();
  const dataDir = join(options.dir, 'data');
  const user = 'firebreak';
  const password = randomBytes(12).toString('hex');
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const pwfile = join(options.dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (account !== undefined) {
    chownSync(options.dir, account.uid, account.gid);
    chownSync(pwfile, account.uid, account.gid);
  }
  const ids = account === undefined ? {} : { uid: account.uid, gid: account.gid };
  const init = spawnSync(
    join(binDir, 'initdb'),
    ['-D', dataDir, '-U', user, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-sync'],
    { encoding: 'utf8', ...ids },
  );
  if (init.status !== 0) throw new Error(`initdb failed (${init.status}): ${init.stderr || init.stdout}`);
  const logFile = join(options.dir, 'server.log');

  let port = await freePort();
  let child: ChildProcess | null = null;
  const url = (database = 'postgres') => `postgres://${user}:${password}@127.0.0.1:${port}/${database}`;

  async function launch(): Promise<void> {
    const out = openSync(logFile, 'a');
    if (account !== undefined) chownSync(logFile, account.uid, account.gid);
    const proc = spawn(
      join(binDir, 'postgres'),
      [
        '-D', dataDir,
        '-p', String(port),
        '-c', 'listen_addresses=127.0.0.1',
        '-c', 'unix_socket_directories=',
        '-c', `max_connections=${options.maxConnections ?? 200}`,
        '-c', 'shared_buffers=32MB',
      ],
      { stdio: ['ignore', out, out], ...ids },
    );
    closeSync(out);
    child = proc;
    let exited = false;
    proc.once('exit', () => {
      exited = true;
      if (child === proc) child = null;
    });
    const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
    while (!(await canConnect(url()))) {
      if (exited) throw new Error(`postgres exited while starting: ${readFileSync(logFile, 'utf8').split('\n').slice(-5).join(' | ')}`);
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`postgres did not accept connections within ${options.startTimeoutMs ?? 60_000} ms`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  for (let attempt = 1; ; attempt++) {
    try {
      await launch();
      break;
    } catch (err) {
      // Another process may have taken the free port between the check and the bind.
      if (attempt >= 3 || !/could not (bind|create any TCP)/i.test(readFileSync(logFile, 'utf8'))) throw err;
      port = await freePort();
    }
  }
  log(`PostgreSQL started on 127.0.0.1:${port} (${options.dir})`);

  return {
    host: '127.0.0.1',
    get port() {
      return port;
    },
    user,
    password,
    dir: options.dir,
    pid: () => child?.pid ?? null,
    url,
    async createDatabase(prefix = 'firebreak') {
      const name = `${prefix}_${randomBytes(6).toString('hex')}`;
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    async stop() {
      const proc = child;
      if (proc === null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGINT');
      await exited;
      log(`PostgreSQL on port ${port} stopped`);
    },
    start: launch,
  };
}
