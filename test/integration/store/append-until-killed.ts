/**
 * Child process of the crash test in sqlite.test.ts: appends notifications to the SQLite store
 * at argv[2] forever, printing each id on its own line only after appendNotification resolved.
 * The parent kills it with SIGKILL and checks every printed id survived.
 */
import { silentLogger } from '../../../src/core/logger.ts';
import { openSqliteStore } from '../../../src/store/sqlite/index.ts';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: append-until-killed.ts <database file>');
const store = await openSqliteStore({ path, logger: silentLogger() });
await store.migrate();
for (let seq = 0; ; seq++) {
  const stored = await store.appendNotification({ seq }, new Date().toISOString());
  // stdout to a pipe is synchronous on Linux: the line is with the parent before the next append.
  process.stdout.write(`${stored.id} ${seq}\n`);
  await new Promise((resolve) => setImmediate(resolve));
}
