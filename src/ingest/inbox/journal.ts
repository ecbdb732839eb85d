/**
 * The inbox journal: how `serve` on SQLite acknowledges a webhook body without waiting for the
 * ingest thread (docs/storage.md, "The inbox journal"). The HTTP thread appends each body as a
 * framed record (frames.ts) to a segment file and answers 200 after an fdatasync that covers it;
 * bodies that arrive while a write is under way go into the next write together, and one sync
 * serves every write made before it started (FileSync, as for SQLite's own log). The ingest
 * thread then imports the records into the notifications table, in id order, and the segment is
 * deleted once every record in it is imported, durable there, and nothing more is written to it.
 * At start the ingest thread imports whatever segments are left (recover.ts).
 *
 * Notification ids are given here, in order, so the acknowledgement can name its id before the
 * ingest thread has seen the body; the journal starts after the highest id the store ever gave.
 *
 * Failures: a write or sync that fails leaves the file in an unknown state, so the journal stops
 * accepting (STORE_UNAVAILABLE, a 503 Alertmanager retries) until firebreak restarts and recovery
 * cuts whatever was not whole. An import that fails stays in the segment, imported at the next
 * start.
 */
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../core/logger.ts';
import { FirebreakError, toFirebreakError } from '../../errors.ts';
import { storeClosed } from '../../store/errors.ts';
import { FileSync, type SyncReport } from '../../store/sqlite/wal-sync.ts';
import { encodeFrame } from './frames.ts';

/** A segment is closed once it holds this much; later bodies go to the next one. */
export const SEGMENT_BYTES = 8 * 1024 * 1024;

/** The file naming the process that writes the journal (import.ts takes it, close() releases it). */
export const OWNER_FILE = 'owner.pid';

/** `segment-000000000042.log`: the sequence number sorts as text. */
export function segmentName(sequence: number): string {
  return `segment-${String(sequence).padStart(12, '0')}.log`;
}

export function segmentSequence(name: string): number | null {
  const match = /^segment-(\d{12})\.log$/.exec(name);
  return match === null ? null : Number(match[1]);
}

export interface InboxJournalOptions {
  dir: string;
  /** The first id to give (one above the highest the store ever gave). */
  nextId: number;
  /** The sequence number of the first segment to write. */
  nextSegment: number;
  /**
   * Imports written frames (in order; each call after the previous one's promise settled), and
   * resolves once they are durable in the store. The bytes are the callee's: the journal does not
   * read them again (the ingest thread moves them to its thread without a copy).
   */
  importFrames(frames: Buffer): Promise<void>;
  logger: Logger;
  onSync?: (report: SyncReport) => void;
  segmentBytes?: number;
}

interface Segment {
  path: string;
  handle: Promise<FileHandle>;
  sync: FileSync;
  bytes: number;
  /** Records written to it and not yet imported. */
  unimported: number;
  closed: boolean;
  dropped: boolean;
}

interface Waiting {
  frame: Buffer;
  id: number;
  resolve: (id: number) => void;
  reject: (err: unknown) => void;
}

const NO_BYTES = Buffer.alloc(0);

export class InboxJournal {
  readonly #options: InboxJournalOptions;
  readonly #segmentBytes: number;
  #nextId: number;
  #nextSegment: number;
  #segment: Segment | null = null;
  #queue: Waiting[] = [];
  #scheduled = false;
  #writing: Promise<void> | null = null;
  /** Acknowledgements waiting for their sync, and imports in order. */
  readonly #syncing = new Set<Promise<unknown>>();
  /** Hands writes over for import in order. */
  #handing: Promise<void> = Promise.resolve();
  /** Imports handed over and not answered yet. */
  readonly #importing = new Set<Promise<void>>();
  #failure: FirebreakError | null = null;
  #closing = false;

  constructor(options: InboxJournalOptions) {
    this.#options = options;
    this.#segmentBytes = options.segmentBytes ?? SEGMENT_BYTES;
    this.#nextId = options.nextId;
    this.#nextSegment = options.nextSegment;
  }

  /** Resolves with the body's notification id once the body is on disk. */
  append(body: Uint8Array, receivedAtMs: number): Promise<number> {
    if (this.#closing) return Promise.reject(storeClosed());
    if (this.#failure !== null) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    const frame = encodeFrame(id, receivedAtMs, body);
    return new Promise<number>((resolve, reject) => {
      this.#queue.push({ frame, id, resolve, reject });
      // Bodies delivered by the same turn of the event loop share the first write.
      if (!this.#scheduled && this.#writing === null) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          this.#write();
        });
      }
    });
  }

  #write(): void {
    this.#writing ??= this.#writeAll().finally(() => {
      this.#writing = null;
      if (this.#queue.length > 0) this.#write();
    });
  }

  /** Writes what is queued, one write per group, the next group while the previous one syncs. */
  async #writeAll(): Promise<void> {
    while (this.#queue.length > 0) {
      const group = this.#queue;
      this.#queue = [];
      if (this.#failure !== null) {
        for (const item of group) item.reject(this.#failure);
        continue;
      }
      const data = group.length === 1 ? (group[0] as Waiting).frame : Buffer.concat(group.map((item) => item.frame));
      // Only `data` is written and handed over: the group, kept until its import, keeps no copy.
      for (const item of group) item.frame = NO_BYTES;
      const segment = this.#current();
      try {
        const handle = await segment.handle;
        const { bytesWritten } = await handle.write(data);
        if (bytesWritten !== data.length) throw new Error(`short write: ${bytesWritten} of ${data.length} bytes`);
      } catch (err) {
        this.#fail(err);
        for (const item of group) item.reject(this.#failure);
        continue;
      }
      segment.bytes += data.length;
      segment.unimported += group.length;
      segment.sync.noteCommit();
      const durable = segment.sync.durable();
      const acked = durable.then(
        () => {
          for (const item of group) item.resolve(item.id);
        },
        (err: unknown) => {
          this.#fail(err);
          for (const item of group) item.reject(this.#failure);
        },
      );
      this.#track(acked);
      // Handed over in write order, once on disk (what failed to sync was never acknowledged),
      // without waiting for the import of the previous write: the ingest thread imports in order.
      const handed = this.#handing.then(
        () => durable,
        () => durable,
      ).then(
        () => ({ answer: this.#options.importFrames(data) }),
        () => null,
      );
      this.#handing = handed.then(() => undefined);
      this.#trackImport(
        handed.then(async (handedOver) => {
          if (handedOver === null) return;
          try {
            await handedOver.answer;
          } catch (err) {
            this.#options.logger.error({ err: toFirebreakError(err) }, 'inbox journal: import into the store failed; the bodies stay in the journal and are imported at the next start');
            return;
          }
          segment.unimported -= group.length;
          await this.#dropIfDone(segment);
        }),
      );
      if (segment.bytes >= this.#segmentBytes) this.#closeSegment(segment);
    }
  }

  #trackImport(work: Promise<void>): void {
    this.#importing.add(work);
    void work.finally(() => this.#importing.delete(work));
  }

  #track(work: Promise<unknown>): void {
    this.#syncing.add(work);
    void work.finally(() => this.#syncing.delete(work));
  }

  #current(): Segment {
    if (this.#segment !== null) return this.#segment;
    const path = join(this.#options.dir, segmentName(this.#nextSegment++));
    const segment: Segment = {
      path,
      handle: open(path, 'a', 0o600),
      sync: new FileSync(path, 'inbox journal', this.#options.onSync),
      bytes: 0,
      unimported: 0,
      closed: false,
      dropped: false,
    };
    // Errors surface at the first write (an unobserved rejection meanwhile is not a crash).
    segment.handle.catch(() => undefined);
    this.#segment = segment;
    return segment;
  }

  #closeSegment(segment: Segment): void {
    segment.closed = true;
    if (this.#segment === segment) this.#segment = null;
  }

  /** Deletes a closed segment whose records are all in the store. */
  async #dropIfDone(segment: Segment): Promise<void> {
    if (!segment.closed || segment.unimported > 0 || segment.dropped) return;
    segment.dropped = true;
    try {
      await segment.sync.close();
      await (await segment.handle).close();
      await unlink(segment.path);
    } catch (err) {
      // Left behind, it is imported again at the next start: its records are found there already.
      this.#options.logger.warn({ err, segment: segment.path }, 'inbox journal: an imported segment could not be deleted');
    }
  }

  #fail(err: unknown): void {
    this.#failure ??= new FirebreakError(
      'STORE_UNAVAILABLE',
      `the inbox journal could not be written (${(err as Error).message}); restart firebreak once the disk is healthy`,
      { retriable: true, statusCode: 503, details: { path: this.#options.dir }, cause: err },
    );
  }

  /** Resolves once every body acknowledged so far has been imported (or its import failed). */
  async imported(): Promise<void> {
    while (this.#writing !== null || this.#queue.length > 0 || this.#syncing.size > 0 || this.#importing.size > 0) {
      if (this.#writing !== null) await this.#writing;
      else if (this.#queue.length > 0) await new Promise((resolve) => setImmediate(resolve));
      await Promise.allSettled([...this.#syncing]);
      await this.#handing;
      await Promise.allSettled([...this.#importing]);
    }
  }

  /**
   * Refuses new bodies, waits for those written to be on disk and imported, then deletes the
   * segments whose records are all in the store.
   */
  async close(): Promise<void> {
    this.#closing = true;
    while (this.#writing !== null || this.#queue.length > 0) {
      if (this.#writing === null) this.#write();
      await this.#writing;
    }
    await Promise.allSettled([...this.#syncing]);
    const last = this.#segment;
    if (last !== null) this.#closeSegment(last);
    await this.imported();
    if (last !== null) await this.#dropIfDone(last);
    // Another process may write the journal now (import.ts, takeOwnership).
    await unlink(join(this.#options.dir, OWNER_FILE)).catch(() => undefined);
  }
}
