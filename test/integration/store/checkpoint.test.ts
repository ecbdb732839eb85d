/**
 * The SQLite checkpointer (src/store/sqlite/checkpointer.ts): checkpoints run without a thread of
 * their own, and the write-ahead log is never started over before the database file holding its
 * pages has been synced.
 */
import { expect } from 'chai';
import { closeSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatabaseSync } from 'node:sqlite';
import { silentLogger } from '../../../src/core/logger.ts';
import { Checkpointer, fileSyncer, type Syncer } from '../../../src/store/sqlite/checkpointer.ts';
import { openConnection } from '../../../src/store/sqlite/connection.ts';
import { openSqliteStore } from '../../../src/store/sqlite/index.ts';
import { waitFor } from '../../support/eventually.ts';
import { webhookBody } from './contract-fixtures.ts';

/** The salt of the log's header: SQLite changes it when it starts the log over. */
function walSalt(path: string): string {
  const fd = openSync(`${path}-wal`, 'r');
  try {
    const header = Buffer.alloc(32);
    readSync(fd, header, 0, 32, 0);
    return header.subarray(16, 24).toString('hex');
  } finally {
    closeSync(fd);
  }
}

/** A database file syncer whose syncs wait until the test lets them finish. */
function heldSyncer(path: string): Syncer & { calls: number; release(): void } {
  const real = fileSyncer(path, 'database file');
  let release: () => void = () => {};
  let held = new Promise<void>((resolve) => (release = resolve));
  const syncer = {
    calls: 0,
    async sync() {
      syncer.calls += 1;
      await held;
      await real.sync();
    },
    release() {
      release();
      held = Promise.resolve();
    },
    close: () => real.close(),
  };
  return syncer;
}

describe('SQLite checkpointer', () => {
  let dir: string;
  let writer: DatabaseSync | null = null;
  let checkpointer: Checkpointer | null = null;
  let held: { release(): void } | null = null;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-checkpoint-'));
  });

  afterEach(async () => {
    held?.release();
    held = null;
    await checkpointer?.close();
    checkpointer = null;
    writer?.close();
    writer = null;
    rmSync(dir, { recursive: true, force: true });
  });

  /** A writer configured as the store's connection: commits without syncs, no automatic checkpoints. */
  function openWriter(path: string): DatabaseSync {
    const db = openConnection({ path, busyTimeoutMs: 0, logger: silentLogger() });
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (x TEXT)');
    return db;
  }

  const insert = (db: DatabaseSync, n: number) => {
    for (let i = 0; i < n; i++) db.prepare('INSERT INTO t VALUES (?)').run('x'.repeat(4000));
  };

  it('keeps the log from being started over until the database file is synced', async () => {
    const path = join(dir, 'pinned.db');
    writer = openWriter(path);
    insert(writer, 50);
    const database = heldSyncer(path);
    held = database;
    checkpointer = new Checkpointer({ path, logger: silentLogger(), intervalMs: 1, syncDatabase: database });
    checkpointer.committed();
    // The pages are copied; their sync is held.
    await waitFor('the copy', () => (database.calls > 0 ? true : undefined), { timeoutMs: 10_000, intervalMs: 5 });
    const salt = walSalt(path);
    const size = statSync(`${path}-wal`).size;
    // Every frame was copied, so without the pin the next commit would start the log over.
    insert(writer, 5);
    expect(walSalt(path), 'the log was started over before the database file was synced').to.equal(salt);
    expect(statSync(`${path}-wal`).size).to.be.greaterThan(size);

    database.release();
    const first = await waitFor('the first checkpoint', () => checkpointer?.last ?? undefined, { timeoutMs: 10_000, intervalMs: 5 });
    expect(first.checkpointed).to.be.greaterThan(50);
    expect(first.checkpointed, 'it copied what the log held when it began').to.equal(first.log);
    // The next checkpoint copies the rest; once the database file is synced the log is reused.
    checkpointer.committed();
    await waitFor('the second checkpoint', () => (checkpointer?.last !== first ? true : undefined), { timeoutMs: 10_000, intervalMs: 5 });
    insert(writer, 1);
    expect(walSalt(path), 'the log is started over once it is safe').to.not.equal(salt);
  });

  it('checkpoints a store in the background without a thread of its own', async () => {
    const threads = () => readdirSync('/proc/self/task').length;
    // libuv starts its thread pool at the first file operation: before counting.
    await stat(dir);
    const before = threads();
    const path = join(dir, 'store.db');
    const store = await openSqliteStore({ path, logger: silentLogger() });
    try {
      await store.migrate();
      const size = statSync(path).size;
      const padding = 'x'.repeat(64 * 1024);
      await Promise.all(Array.from({ length: 32 }, (_, i) => store.appendNotification({ ...webhookBody(), padding, i }, '2026-01-01T00:00:00.000Z')));
      // 2 MiB went to the log; the database file grows when a checkpoint copies it there.
      await waitFor('a checkpoint', () => (statSync(path).size > size + 2 * 1024 * 1024 ? true : undefined), { timeoutMs: 10_000 });
      expect(threads(), 'threads of this process').to.equal(before);
    } finally {
      await store.close();
    }
  });
});

