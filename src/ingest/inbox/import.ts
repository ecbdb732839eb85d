/**
 * The ingest thread's side of the inbox journal (journal.ts): importing the records the HTTP
 * thread wrote into the notifications table, as they are written and, at start, from whatever
 * segments a previous process left (after a crash, or an import that failed).
 */
import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../core/logger.ts';
import { FirebreakError, isFirebreakError } from '../../errors.ts';
import type { ImportedBody, SqliteStoreApi } from '../../store/sqlite/index.ts';
import { decodeFrames, type InboxRecord } from './frames.ts';
import { OWNER_FILE, segmentSequence } from './journal.ts';

export type InboxStore = Pick<SqliteStoreApi, 'importNotifications' | 'notificationSequence'>;

/** Bodies imported in one transaction at start: bounded so one transaction stays short. */
const RECOVERY_GROUP_BYTES = 4 * 1024 * 1024;
const RECOVERY_GROUP_COUNT = 512;

function imported(record: InboxRecord): ImportedBody {
  const text = Buffer.from(record.body.buffer, record.body.byteOffset, record.body.byteLength).toString('utf8');
  return { id: record.id, receivedAt: new Date(record.receivedAtMs).toISOString(), json: text.replace(/^\uFEFF/, '') };
}

/**
 * Imports writes of frames the journal just made (whole frames, in order) in one transaction.
 * Resolves, once they are durable in the store, with the highest id among them (0 for none).
 */
export async function importFrames(store: InboxStore, writes: readonly Uint8Array[]): Promise<number> {
  const bodies: ImportedBody[] = [];
  for (const frames of writes) {
    const { records, validBytes } = decodeFrames(frames);
    if (validBytes !== frames.byteLength) throw new Error(`inbox journal: frames handed over do not check out at byte ${validBytes} of ${frames.byteLength}`);
    for (const record of records) bodies.push(imported(record));
  }
  let upTo = 0;
  for (const id of await store.importNotifications(bodies)) upTo = Math.max(upTo, id);
  return upTo;
}

export interface Recovered {
  /** The first id the journal may give. */
  nextId: number;
  /** The sequence number of the journal's next segment. */
  nextSegment: number;
  /** Records found in the segments left behind (imported, or found imported already). */
  records: number;
}

/**
 * Imports every segment left in `dir` (creating `dir` when missing), in order, then deletes them.
 * A segment that ends in a record that is incomplete or fails its CRC (a write the process or the
 * machine did not finish: never acknowledged, since the 200 waits for the sync) is cut there,
 * with a warning. Records already in the store are left as they are.
 */
export async function recoverInbox(store: InboxStore, dir: string, logger: Logger): Promise<Recovered> {
  try {
    return await recover(store, dir, logger);
  } catch (err) {
    throw inboxFileError(err, dir);
  }
}

/**
 * A file-system error of the journal as the store's own: a read-only file system or a directory
 * firebreak may not write is STORE_FILE_ERROR (an operator must fix it), a full disk or an I/O
 * error STORE_UNAVAILABLE (retriable), as for the SQLite file beside it.
 */
function inboxFileError(err: unknown, dir: string): unknown {
  if (isFirebreakError(err)) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const message = `the inbox journal ${dir} cannot be written: ${(err as Error).message}`;
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM' || code === 'ENOTDIR') {
    return new FirebreakError('STORE_FILE_ERROR', message, { statusCode: 503, details: { path: dir, errno: code }, cause: err });
  }
  if (code === 'ENOSPC' || code === 'EIO' || code === 'EDQUOT') {
    return new FirebreakError('STORE_UNAVAILABLE', message, { retriable: true, statusCode: 503, details: { path: dir, errno: code }, cause: err });
  }
  return err;
}

async function recover(store: InboxStore, dir: string, logger: Logger): Promise<Recovered> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  takeOwnership(dir);
  const segments = readdirSync(dir)
    .flatMap((name) => {
      const sequence = segmentSequence(name);
      return sequence === null ? [] : [{ name, sequence }];
    })
    .sort((a, b) => a.sequence - b.sequence);
  let records = 0;
  for (const { name } of segments) {
    const path = join(dir, name);
    const data = readFileSync(path);
    const decoded = decodeFrames(data);
    if (decoded.validBytes < data.length) {
      cut(path, decoded.validBytes);
      logger.warn(
        { segment: name, offset: decoded.validBytes, bytesCut: data.length - decoded.validBytes, recordsKept: decoded.records.length },
        'inbox journal: a segment ended in an incomplete record (a write the stop interrupted, never acknowledged); cut there',
      );
    }
    for (const group of groups(decoded.records)) await store.importNotifications(group.map(imported));
    records += decoded.records.length;
  }
  // Every record is durable in the store now: the segments are no longer needed.
  for (const { name } of segments) unlinkSync(join(dir, name));
  if (records > 0) logger.info({ records, segments: segments.length }, 'inbox journal: notifications acknowledged before the last stop imported into the store');
  return { nextId: (await store.notificationSequence()) + 1, nextSegment: (segments.at(-1)?.sequence ?? 0) + 1, records };
}

/**
 * One process writes a journal: a second `serve` on the same store would import and delete the
 * segments the first is still writing. Refuses when the process named in the owner file runs;
 * takes over a file a stopped process left (after a crash; in a container the new process may
 * have the old one's pid, its own).
 */
function takeOwnership(dir: string): void {
  const path = join(dir, OWNER_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, `${process.pid}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
    }
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && running(pid)) {
      throw new FirebreakError(
        'STORE_FILE_ERROR',
        `the inbox journal ${dir} is in use by process ${pid}: one firebreak serve runs on a store file. If no firebreak runs on it, delete ${path}`,
        { statusCode: 503, details: { path, pid } },
      );
    }
    unlinkSync(path);
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function* groups(records: readonly InboxRecord[]): Generator<InboxRecord[]> {
  let group: InboxRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    if (group.length > 0 && (group.length >= RECOVERY_GROUP_COUNT || bytes + record.body.byteLength > RECOVERY_GROUP_BYTES)) {
      yield group;
      group = [];
      bytes = 0;
    }
    group.push(record);
    bytes += record.body.byteLength;
  }
  if (group.length > 0) yield group;
}

function cut(path: string, length: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, length);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
