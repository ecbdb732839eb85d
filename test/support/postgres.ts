/**
 * PostgreSQL for tests: ONE private server per test run (scripts/postgres/cluster.ts), started
 * lazily by the first test that asks for it, stopped by the global teardown in
 * postgres-global.ts, like the shared Kafka cluster. Each test file makes its own database on it.
 *
 * Environment:
 *   FIREBREAK_TEST_POSTGRES_URL  a server you started yourself (`postgres://user:pw@host:port/db`,
 *                                a role allowed to CREATE DATABASE) to use instead
 *
 * ```ts
 * let postgres: TestPostgres;
 * before(async function () {
 *   this.timeout(120_000);
 *   postgres = await usePostgres();
 * });
 * it('...', async () => {
 *   const url = await postgres.createDatabase();
 * });
 * ```
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../../scripts/postgres/cluster.ts';

/** What a test gets: database URLs, and for the run's own server, stop and start. */
export interface TestPostgres {
  createDatabase(prefix?: string): Promise<string>;
  /** The run's own server; null with FIREBREAK_TEST_POSTGRES_URL. */
  server: PostgresServer | null;
}

let shared: Promise<TestPostgres> | undefined;
let sharedDir: string | undefined;

export function usePostgres(): Promise<TestPostgres> {
  shared ??= startShared();
  return shared;
}

async function startShared(): Promise<TestPostgres> {
  const external = process.env['FIREBREAK_TEST_POSTGRES_URL'];
  if (external !== undefined && external.trim() !== '') return attachExternal(external.trim());
  sharedDir = await mkdtemp(join(tmpdir(), 'firebreak-postgres-'));
  const server = await startPostgres({
    dir: sharedDir,
    startTimeoutMs: 120_000,
    log: (msg) => process.stderr.write(`      [postgres] ${msg}\n`),
  });
  return { server, createDatabase: (prefix) => server.createDatabase(prefix) };
}

function attachExternal(url: string): TestPostgres {
  return {
    server: null,
    async createDatabase(prefix = 'firebreak') {
      const name = `${prefix}_${randomBytes(6).toString('hex')}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      const target = new URL(url);
      target.pathname = `/${name}`;
      return target.toString();
    },
  };
}

/** Stops the run's server if a test started it and removes its directory. */
export async function stopPostgres(): Promise<void> {
  const pending = shared;
  shared = undefined;
  if (pending === undefined) return;
  const started = await pending.catch(() => null);
  await started?.server?.stop();
  if (sharedDir !== undefined && started !== null) await rm(sharedDir, { recursive: true, force: true });
  sharedDir = undefined;
}
