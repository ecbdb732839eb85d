import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { expect } from 'chai';
import { silentLogger } from '../../../src/core/logger.ts';
import { FirebreakError } from '../../../src/errors.ts';
import { openConnection } from '../../../src/store/sqlite/connection.ts';
import { openSqliteStore } from '../../../src/store/sqlite/index.ts';
import { loadMigrations } from '../../../src/store/sqlite/migrate.ts';
import { startIngestThread } from '../../../src/ingest/thread.ts';
import { JsonText } from '../../../src/store/json-text.ts';
import type { Store } from '../../../src/store/types.ts';
import type { SyncReport } from '../../../src/store/sqlite/wal-sync.ts';
import { waitFor } from '../../support/eventually.ts';
import { storeContract } from './contract.ts';
import { entry, newIncident, rejection, webhookBody } from './contract-fixtures.ts';

describe('SQLite store', () => {
  let dir: string;
  let generation = 0;
  const opened: Store[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-store-'));
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  /** A store on `file` (relative to this run's temp dir), closed after the test. */
  async function open(file: string, busyTimeoutMs?: number, onSync?: (report: SyncReport) => void): Promise<Store> {
    const store = await openSqliteStore({ path: join(dir, file), logger: silentLogger(), busyTimeoutMs, onSync });
    opened.push(store);
    return store;
  }

  // Each contract test gets its own file; `cleanup` moves on to the next one.
  storeContract(
    'sqlite',
    () => openSqliteStore({ path: join(dir, `contract-${generation}`, 'firebreak.db'), logger: silentLogger() }),
    async () => {
      generation += 1;
    },
  );

  // The same file through the ingest thread, as serve uses it: every call forwarded to the thread.
  storeContract(
    'sqlite on the ingest thread',
    async () => (await startIngestThread({ storePath: join(dir, `thread-contract-${generation}`, 'firebreak.db'), logLevel: 'silent', logLine: () => {} }, silentLogger())).store,
    async () => {
      generation += 1;
    },
  );

  describe('file and connection', () => {
    it('creates the missing parent directory and opens the file in WAL mode', async () => {
      const path = join(dir, 'nested', 'deeper', 'firebreak.db');
      const store = await open(join('nested', 'deeper', 'firebreak.db'));
      await store.migrate();
      expect(existsSync(path)).to.equal(true);
      const raw = new DatabaseSync(path);
      try {
        expect(raw.prepare('PRAGMA journal_mode').get()?.journal_mode).to.equal('wal');
      } finally {
        raw.close();
      }
    });

    it('checkpoints the write-ahead log into the database file in the background while open', async () => {
      const store = await open('checkpointed.db');
      await store.migrate();
      const before = statSync(join(dir, 'checkpointed.db')).size;
      const padding = 'x'.repeat(64 * 1024);
      await Promise.all(Array.from({ length: 32 }, (_, i) => store.appendNotification({ ...webhookBody(), padding, i }, '2026-01-01T00:00:00.000Z')));
      // 2 MiB went to the log; the database file grows only when a checkpoint copies it there.
      await waitFor('a checkpoint', () => (statSync(join(dir, 'checkpointed.db')).size > before + 2 * 1024 * 1024 ? true : undefined), { timeoutMs: 10_000 });
    });

    it('configures each connection for durable commits, foreign keys and a busy timeout', () => {
      const db = openConnection({ path: join(dir, 'settings.db'), busyTimeoutMs: 1234, logger: silentLogger() });
      try {
        expect(db.prepare('PRAGMA synchronous').get()?.synchronous).to.equal(2); // FULL
        expect(db.prepare('PRAGMA foreign_keys').get()?.foreign_keys).to.equal(1);
        expect(db.prepare('PRAGMA busy_timeout').get()?.timeout).to.equal(1234);
        expect(db.prepare('PRAGMA journal_mode').get()?.journal_mode).to.equal('wal');
      } finally {
        db.close();
      }
    });

    it('forbids updating or deleting timeline entries even in raw SQL', async () => {
      const store = await open('append-only.db');
      await store.migrate();
      const incident = await store.createIncident(newIncident());
      const written = await store.appendTimeline(entry(incident.id));
      const raw = new DatabaseSync(join(dir, 'append-only.db'));
      try {
        expect(() => raw.exec("UPDATE timeline SET summary = 'rewritten'")).to.throw(/append-only/);
        expect(() => raw.exec('DELETE FROM timeline')).to.throw(/append-only/);
      } finally {
        raw.close();
      }
      expect(await store.timeline(incident.id)).to.deep.equal([written]);
    });

    it('records each migration once however often it is opened and migrated', async () => {
      const first = await open('migrations.db');
      await first.migrate();
      await first.migrate();
      await first.close();
      const second = await open('migrations.db');
      await second.migrate();
      const raw = new DatabaseSync(join(dir, 'migrations.db'));
      try {
        const rows = raw.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
        expect(rows.map((r) => ({ ...r }))).to.deep.equal(loadMigrations().map((m) => ({ version: m.version, name: m.name })));
      } finally {
        raw.close();
      }
    });

    it('refuses a schema migrated by a newer firebreak with STORE_SCHEMA_TOO_NEW', async () => {
      const store = await open('too-new.db');
      await store.migrate();
      const raw = new DatabaseSync(join(dir, 'too-new.db'));
      raw.exec("INSERT INTO schema_migrations VALUES (999, 'from_the_future', 'x', '2030-01-01T00:00:00.000Z')");
      raw.close();
      const err = await rejection(store.migrate(), 'STORE_SCHEMA_TOO_NEW');
      expect(err.details).to.deep.equal({ schemaVersion: 999, knownVersion: loadMigrations().length });
      await rejection(openSqliteStore({ path: join(dir, 'too-new.db'), logger: silentLogger() }), 'STORE_SCHEMA_TOO_NEW');
    });

    it('refuses a file that is not a SQLite database with STORE_FILE_ERROR', async () => {
      const path = join(dir, 'not-a-db.db');
      writeFileSync(path, 'plain text, not a database; '.repeat(100));
      const err = await rejection(openSqliteStore({ path, logger: silentLogger() }), 'STORE_FILE_ERROR');
      expect(err.retriable).to.equal(false);
    });

    it('reports tables missing before migrate() as STORE_SCHEMA_MISSING', async () => {
      const store = await open('unmigrated.db');
      await rejection(store.getIncident('INC-X'), 'STORE_SCHEMA_MISSING');
    });
  });

  describe('migration files', () => {
    function migrationsDir(files: Record<string, string>): URL {
      const folder = mkdtempSync(join(dir, 'migrations-'));
      for (const [name, sql] of Object.entries(files)) writeFileSync(join(folder, name), sql);
      return pathToFileURL(`${folder}/`);
    }

    it('reads NNN_name.sql files in version order', () => {
      const loaded = loadMigrations(migrationsDir({ '002_more.sql': 'SELECT 2;', '001_init.sql': 'SELECT 1;', 'README.md': '' }));
      expect(loaded.map((m) => [m.version, m.name, m.sql])).to.deep.equal([
        [1, 'init', 'SELECT 1;'],
        [2, 'more', 'SELECT 2;'],
      ]);
    });

    it('refuses gaps, repeats and badly named files with STORE_MIGRATION_FAILED', () => {
      const cases: Record<string, string>[] = [
        { '001_init.sql': '', '003_skip.sql': '' },
        { '001_init.sql': '', '001_again.sql': '' },
        { '1_init.sql': '' },
        { '001_Init-Schema.sql': '' },
      ];
      for (const files of cases) {
        expect(() => loadMigrations(migrationsDir(files)), Object.keys(files).join(','))
          .to.throw(FirebreakError)
          .with.property('code', 'STORE_MIGRATION_FAILED');
      }
    });
  });

  describe('locking', () => {
    it('fails with retriable STORE_UNAVAILABLE while another connection holds the write lock, then recovers', async () => {
      const store = await open('busy.db', 50);
      await store.migrate();
      const other = new DatabaseSync(join(dir, 'busy.db'));
      try {
        other.exec('BEGIN IMMEDIATE');
        const err = await rejection(store.appendNotification(webhookBody(), '2026-01-01T00:00:00.000Z'), 'STORE_UNAVAILABLE');
        expect(err.retriable).to.equal(true);
        expect(err.statusCode).to.equal(503);
        await rejection(store.transaction(async () => 'never'), 'STORE_UNAVAILABLE');
        other.exec('COMMIT');
      } finally {
        other.close();
      }
      const stored = await store.appendNotification(webhookBody(), '2026-01-01T00:00:00.000Z');
      expect((await store.getNotification(stored.id))?.id).to.equal(stored.id);
    });
  });

  describe('commit model', () => {
    it('writes concurrent webhook bodies in one commit and one fsync, and answers only after that fsync', async () => {
      const syncs: SyncReport[] = [];
      let resolvedBeforeSync = 0;
      const store = await open('group-commit.db', undefined, (report) => syncs.push(report));
      await store.migrate();
      syncs.length = 0;
      const bodies = Array.from({ length: 40 }, (_, i) => ({ ...webhookBody(), groupKey: `group-${i}` }));
      const stored = await Promise.all(
        bodies.map((body) =>
          store.appendNotification(body, '2026-01-01T00:00:00.000Z').then((n) => {
            if (syncs.length === 0) resolvedBeforeSync += 1;
            return n;
          }),
        ),
      );
      expect(resolvedBeforeSync, 'appends resolved before any fsync').to.equal(0);
      expect(syncs, 'fsyncs for 40 concurrent appends').to.have.length(1);
      expect(syncs[0]?.commits).to.equal(1);
      expect(new Set(stored.map((n) => n.id)).size).to.equal(40);
      for (const [i, n] of stored.entries()) expect((await store.getNotification(n.id))?.payload).to.deep.equal(bodies[i]);
    });

    it('stores a body handed over as JSON text as is', async () => {
      const store = await open('json-text.db');
      await store.migrate();
      const body = webhookBody();
      const text = new JsonText(JSON.stringify(body));
      const stored = await store.appendNotification(text, '2026-01-01T00:00:00.000Z');
      expect(stored.payload).to.equal(text);
      expect((await store.getNotification(stored.id))?.payload).to.deep.equal(body);
    });

    it('waits for a lock another connection holds on timers, so the event loop (and that connection) go on', async () => {
      const store = await open('patient.db', 2_000);
      await store.migrate();
      const other = new DatabaseSync(join(dir, 'patient.db'));
      try {
        other.exec('BEGIN IMMEDIATE');
        const appended = store.appendNotification(webhookBody(), '2026-01-01T00:00:00.000Z');
        // Runs only if the store's wait left the event loop free; then the lock goes away.
        await new Promise((resolve) => setTimeout(resolve, 30));
        other.exec('COMMIT');
        expect((await appended).id).to.be.a('number');
      } finally {
        other.close();
      }
    });
  });

  describe('backups', () => {
    it('copies a consistent database with VACUUM INTO while the store is open and writing', async () => {
      const store = await open('live.db');
      await store.migrate();
      const incident = await store.createIncident(newIncident());
      const stored = await store.appendNotification(webhookBody(), '2026-01-01T00:00:00.000Z');
      const backupPath = join(dir, 'backup-copy.db');
      const reader = new DatabaseSync(join(dir, 'live.db'), { readOnly: true });
      try {
        reader.exec(`VACUUM INTO '${backupPath.replaceAll("'", "''")}'`);
      } finally {
        reader.close();
      }
      await store.appendNotification(webhookBody(), '2026-01-01T00:00:01.000Z');
      const copy = await open('backup-copy.db');
      await copy.migrate();
      expect(await copy.getIncident(incident.id)).to.deep.equal(incident);
      expect(await copy.getNotification(stored.id)).to.deep.equal(stored);
      expect(await copy.getNotification(stored.id + 1)).to.equal(null);
    });
  });

  describe('crash safety', () => {
    it('keeps every notification whose append resolved when the process is killed with SIGKILL', async () => {
      const path = join(dir, 'killed', 'firebreak.db');
      const child = spawn(process.execPath, [new URL('./append-until-killed.ts', import.meta.url).pathname, path], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.split('\n').length > 50 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, sig) => resolve(sig)));
      expect(stderr).to.equal('');
      expect(signal).to.equal('SIGKILL');

      const acknowledged = stdout
        .split('\n')
        .filter((line) => /^\d+ \d+$/.test(line))
        .map((line) => line.split(' ').map(Number) as [number, number]);
      expect(acknowledged.length).to.be.at.least(50);
      const store = await open(join('killed', 'firebreak.db'));
      for (const [id, seq] of acknowledged) {
        const stored = await store.getNotification(id);
        expect(stored?.payload, `notification ${id}`).to.deep.equal({ seq });
      }
      const replay = await store.unprocessedNotifications(500);
      expect(replay.length).to.be.at.least(Math.min(acknowledged.length, 500));
    });
  });
});
