/**
 * The checkpointer's thread (see checkpointer.ts): its own connection to the database, which
 * copies the write-ahead log into the database file on request. `synchronous = FULL` makes
 * SQLite sync the log before copying and the database after, so the log is reused only once
 * what it held is on disk in the database file. PASSIVE never waits for, nor blocks, the
 * store's connection. Messages: `checkpoint` (answered with SQLite's figures), `close`.
 */
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

const port = parentPort;
if (port === null) throw new Error('checkpoint-worker.ts runs as a worker thread');
const db = new DatabaseSync((workerData as { path: string }).path);
db.exec('PRAGMA synchronous = FULL');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

port.on('message', (message: unknown) => {
  if (message === 'checkpoint') {
    try {
      const row = checkpoint.get() ?? {};
      port.postMessage({ ok: true, busy: Number(row.busy), log: Number(row.log), checkpointed: Number(row.checkpointed) });
    } catch (err) {
      port.postMessage({ ok: false, error: (err as Error).message });
    }
  } else if (message === 'close') {
    db.close();
    port.close();
  }
});
