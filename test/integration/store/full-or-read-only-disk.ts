/**
 * Run inside a private mount namespace (see store-writability.test.ts) with a small tmpfs at
 * argv[2]: the SQLite store and `serve`'s start on a disk that fills up and on a file system that
 * turns read-only, for real. Prints one JSON line per observation: `{ step, code }` (`ok` or the
 * error's code) and, for errors, the message.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../../../src/cli/serve.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { systemClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { openSqliteStore } from '../../../src/store/sqlite/index.ts';
import type { Store } from '../../../src/store/types.ts';

const [mount, elsewhere] = process.argv.slice(2) as [string, string];
const path = join(mount, 'firebreak.db');

async function observe(step: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
    console.log(JSON.stringify({ step, code: 'ok' }));
  } catch (err) {
    const e = err as { code?: string; message?: string };
    console.log(JSON.stringify({ step, code: e.code ?? 'ERROR', message: e.message }));
  }
}

const body = { version: '4', groupKey: 'g', status: 'firing', receiver: 'firebreak', alerts: [] };
const store: Store = await openSqliteStore({ path, logger: silentLogger() });
await store.migrate();
await observe('ping', () => store.ping());

// Fill the disk: a file as large as what is left.
const filler = join(mount, 'filler');
try {
  writeFileSync(filler, Buffer.alloc(64 * 1024 * 1024));
} catch {
  // ENOSPC: the disk is full, which is the point.
}
await observe('ping on a full disk', () => store.ping());
await observe('append on a full disk', () => store.appendNotification(body, new Date().toISOString()));
rmSync(filler);
await observe('ping after space returned', () => store.ping());
await observe('append after space returned', () => store.appendNotification(body, new Date().toISOString()));

// The store as a crash leaves it (file, WAL and shared memory), on a file system that then turns
// read-only: SQLite opens it read-only, without a word, and reads fine.
const crashed = join(mount, 'crashed');
mkdirSync(crashed);
for (const suffix of ['', '-wal', '-shm']) copyFileSync(`${path}${suffix}`, join(crashed, `firebreak.db${suffix}`));
await store.close();
execFileSync('mount', ['-o', 'remount,ro', mount]);
const readOnly = await openSqliteStore({ path: join(crashed, 'firebreak.db'), logger: silentLogger() });
await observe('read on a read-only file system', () => readOnly.unprocessedNotifications(10));
await observe('ping on a read-only file system', () => readOnly.ping());
await readOnly.close();

mkdirSync(elsewhere, { recursive: true });
const config = loadConfig({
  env: { FIREBREAK_STORE: join(crashed, 'firebreak.db'), FIREBREAK_DATA_DIR: elsewhere, FIREBREAK_LISTEN: '127.0.0.1:0', FIREBREAK_LOG_LEVEL: 'silent' },
  argv: [],
  readFile: () => '',
});
await observe('serve with a read-only store', async () => {
  const running = await startServer({ config, clock: systemClock, logSink: { write: () => true } });
  await running.close();
});
