/**
 * The ingest thread: the SQLite store, incident processing and the parsing of large webhook
 * bodies, on a worker thread of their own (thread-worker.ts). The event loop that serves HTTP
 * (acknowledgements, the API, `/healthz`) and runs the engine never waits for the disk, for
 * SQL or for processing, and the two cores both work.
 *
 * - The store: the thread owns the one SQLite connection; this thread uses it through a
 *   forwarding Store (src/store/forward/), call by call. Webhook bodies it appends are written
 *   in groups there (one commit, one fsync for many acknowledgements).
 * - Processing: the same pipeline as in-process (pipeline.ts, the incident processing, the
 *   engine's outbox, storm control), next to the store, so its many small reads and writes cost
 *   no message each. What this thread must act on comes back as messages: a summary per
 *   processed notification (metrics; the engine's worker is woken), committed timeline entries
 *   (the recorders), log lines, fsync reports.
 * - Bodies over OFFLOAD_BYTES (accept.ts) are parsed, checked and stored there.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { LogLevel } from '../config/schema.ts';
import type { Logger } from '../core/logger.ts';
import { FirebreakError } from '../errors.ts';
import type { TimelineEntry, TimelineKind } from '../model/incident.ts';
import type { ProcessResult } from '../incidents/process.ts';
import type { StormSettings } from '../incidents/storm.ts';
import type { Runbook } from '../runbooks/types.ts';
import { decodeError, type EncodedError } from '../store/forward/codec.ts';
import { forwardingStore } from '../store/forward/client.ts';
import { invalidValue } from '../store/errors.ts';
import { appendedNotification, serializePayload } from '../store/json-text.ts';
import type { SyncReport } from '../store/sqlite/wal-sync.ts';
import type { Store } from '../store/types.ts';
import { notStored, type BodyOffload, type StoredBody } from './accept.ts';
import { InboxJournal } from './inbox/journal.ts';
import type { Recovered } from './inbox/import.ts';
import type { Pipeline } from './pipeline.ts';

/** What this thread learns of a processed notification (small, whatever the notification). */
export interface ProcessSummary extends Pick<ProcessResult, 'notificationId' | 'alerts' | 'duplicates' | 'incidents' | 'folded'> {
  /** Timeline entries appended, by kind: the notification's and the engine's outbox's. */
  entries: Partial<Record<TimelineKind, number>>;
  /** Runs the engine's outbox requested. */
  runs: number;
}

/** Counts entries by kind. */
export function countKinds(kinds: Iterable<{ kind: TimelineKind }>, into: Partial<Record<TimelineKind, number>> = {}): Partial<Record<TimelineKind, number>> {
  for (const { kind } of kinds) into[kind] = (into[kind] ?? 0) + 1;
  return into;
}

export interface IngestThreadOptions {
  /** The SQLite file. */
  storePath: string;
  busyTimeoutMs?: number;
  logLevel: LogLevel;
  /** Where the thread's log lines go (this thread's log stream). */
  logLine: (line: string) => void;
  /** Told of every fsync of the store's log and of the inbox journal (metrics). */
  onSync?: (report: SyncReport) => void;
  /**
   * Acknowledge webhook bodies through the inbox journal (`<storePath>-inbox/`, inbox/journal.ts)
   * written by this thread, instead of the store's commit in the ingest thread. It opens when
   * the store is migrated (`store.migrate()`), after importing what an earlier process left.
   */
  inbox?: boolean;
}

/** What processing needs, known once the app (and its engine) exist. */
export interface ProcessingStart {
  runbooks: readonly Runbook[];
  storm: StormSettings;
  /** Hand committed timeline entries over (only when recorders listen). */
  timeline: boolean;
}

export interface IngestThreadEvents {
  processed(summary: ProcessSummary): Promise<void>;
  timeline(entries: TimelineEntry[]): void;
  storeError(operation: string): void;
}

/** The answer to `check`: the summary, and the body's bytes moved back. */
export interface CheckedBody {
  summary: Omit<StoredBody, 'id'>;
  body: Uint8Array;
}

/** Messages the worker posts on its main port (thread-worker.ts). */
export type FromWorker =
  | { type: 'ready'; methods: string[] }
  | { type: 'failed'; error: EncodedError }
  /** Messages of one turn of the thread's event loop, in order (fewer, larger messages). */
  | { type: 'batch'; messages: FromWorker[] }
  | { type: 'log'; line: string }
  | { type: 'sync'; report: SyncReport }
  | { type: 'pending'; added?: number[]; removed?: number[] }
  | { type: 'processed'; summary: ProcessSummary }
  | { type: 'timeline'; entries: TimelineEntry[] }
  | { type: 'storeError'; operation: string }
  | { type: 'answer'; request: number; ok: true; value: unknown }
  | { type: 'answer'; request: number; ok: false; error: EncodedError };

/** Messages the worker receives on its main port. */
export type ToWorker =
  | { type: 'start'; start: ProcessingStart }
  | { type: 'kick' }
  | { type: 'runbooks'; runbooks: readonly Runbook[] }
  | { type: 'body'; request: number; body: Uint8Array; receivedAt: string }
  /** Imports what the inbox journal in `dir` holds; answers {@link Recovered}. */
  | { type: 'inbox'; request: number; dir: string }
  /** Imports frames the journal wrote; answers the highest id once durable in the store. */
  | { type: 'import'; request: number; frames: Uint8Array }
  /** Parses and checks a body without storing it; answers a {@link CheckedBody}. */
  | { type: 'check'; request: number; body: Uint8Array }
  | { type: 'idle'; request: number }
  | { type: 'stop'; request: number; graceMs: number };

/** Whether `bytes` span the whole of an ArrayBuffer of their own (which can be moved to another thread). */
export function ownsBuffer(bytes: Uint8Array): boolean {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
}

/** Starts the thread; resolves once its store is open (rejects with the store's error otherwise). */
export async function startIngestThread(options: IngestThreadOptions, logger: Logger): Promise<IngestThread> {
  const channel = new MessageChannel();
  const worker = new Worker(new URL('./thread-worker.ts', import.meta.url), {
    workerData: { storePath: options.storePath, busyTimeoutMs: options.busyTimeoutMs, logLevel: options.logLevel, storePort: channel.port2 },
    transferList: [channel.port2],
    // V8 lets a thread's young generation grow to 128 MiB when it allocates fast (a storm's
    // parsing and processing): 12 MiB (4 MiB semi-spaces) keeps a storm's peak RSS down at no
    // measured cost to throughput (bench/RESULTS.md, "Alert storm").
    resourceLimits: { maxYoungGenerationSizeMb: 12 },
  });
  const thread = new IngestThread(worker, channel.port1, options, logger);
  await thread.ready;
  return thread;
}

export class IngestThread implements Pipeline, BodyOffload {
  #store: Store | null = null;
  readonly ready: Promise<void>;
  readonly #options: IngestThreadOptions;
  #journal: InboxJournal | null = null;
  readonly #worker: Worker;
  readonly #logger: Logger;
  readonly #pending = new Set<number>();
  /** The highest id the thread reported taking up: it reads the store in id order. */
  #fetchedUpTo = 0;
  readonly #waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  #events: IngestThreadEvents | null = null;
  #start: ProcessingStart | null = null;
  /** Summaries are acted on in order, one at a time, like the in-process pipeline's hooks. */
  #hooks: Promise<void> = Promise.resolve();
  #requests = 0;
  #stopping = false;
  #dead: Error | null = null;

  constructor(worker: Worker, storePort: MessagePort, options: IngestThreadOptions, logger: Logger) {
    this.#worker = worker;
    this.#logger = logger;
    this.#options = options;
    let opened: () => void = () => {};
    let failed: (err: Error) => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      opened = resolve;
      failed = reject;
    });
    const receive = (message: FromWorker): void => {
      switch (message.type) {
        case 'batch':
          for (const inner of message.messages) receive(inner);
          return;
        case 'ready':
          this.#store = forwardingStore(storePort, message.methods);
          if (options.inbox === true) this.#store = this.#journaled(this.#store);
          opened();
          return;
        case 'failed':
          failed(decodeError(message.error));
          return;
        case 'log':
          options.logLine(message.line);
          return;
        case 'sync':
          options.onSync?.(message.report);
          return;
        case 'answer': {
          const waiting = this.#waiting.get(message.request);
          this.#waiting.delete(message.request);
          if (message.ok) waiting?.resolve(message.value);
          else waiting?.reject(decodeError(message.error));
          return;
        }
        default:
          this.#processing(message);
      }
    };
    worker.on('message', receive);
    worker.on('error', (err) => {
      failed(err);
      this.#die(err);
    });
    worker.on('exit', (code) => {
      failed(new Error(`the ingest thread exited (code ${code}) before its store opened`));
      this.#die(new Error(`the ingest thread exited (code ${code})`));
    });
  }

  /** The store, whose calls run in the thread (once {@link ready} resolved). */
  get store(): Store {
    if (this.#store === null) throw new Error('the ingest thread has not opened its store yet');
    return this.#store;
  }

  /**
   * The store with the inbox journal in front of `appendNotification`: `migrate()` also imports
   * what the journal holds and opens it; `close()` first waits for the journal's imports.
   */
  #journaled(store: Store): Store {
    const journaled: Partial<Store> = {
      migrate: async () => {
        await store.migrate();
        // A store that cannot write fails here with its own error, before the journal beside it.
        await store.ping();
        await this.#openInbox();
      },
      appendNotification: async (payload, receivedAt) => {
        const json = serializePayload(payload);
        const id = await this.#append(Buffer.from(json), receivedAt);
        return appendedNotification(id, receivedAt, payload);
      },
      close: async () => {
        await this.#journal?.close();
        await store.close();
      },
    };
    return new Proxy(store, {
      get: (target, property) => (Object.hasOwn(journaled, property) ? journaled[property as keyof Store] : Reflect.get(target, property)),
    });
  }

  async #openInbox(): Promise<void> {
    if (this.#journal !== null) return;
    const dir = `${this.#options.storePath}-inbox`;
    const recovered = await this.#ask<Recovered>((request) => ({ type: 'inbox', request, dir }));
    this.#journal = new InboxJournal({
      dir,
      nextId: recovered.nextId,
      nextSegment: recovered.nextSegment,
      logger: this.#logger,
      ...(this.#options.onSync === undefined ? {} : { onSync: this.#options.onSync }),
      importFrames: async (frames) => {
        // Moved to the thread: as they are when the bytes have a buffer of their own (the journal
        // does not read them again), else a copy (a small Buffer shares a pool).
        const own = ownsBuffer(frames) ? frames : new Uint8Array(frames);
        await this.#ask((request) => ({ type: 'import', request, frames: own }), [own.buffer as ArrayBuffer]);
      },
    });
  }

  /** Appends a body to the inbox journal; resolves with its id once on disk. */
  #append(body: Uint8Array, receivedAt: string): Promise<number> {
    if (this.#journal === null) return Promise.reject(new Error('the store must be migrated before notifications are appended'));
    const receivedAtMs = Date.parse(receivedAt);
    if (!Number.isFinite(receivedAtMs) || new Date(receivedAtMs).toISOString() !== receivedAt) return Promise.reject(invalidValue(`receivedAt must be an ISO 8601 time in UTC with milliseconds: ${receivedAt}`));
    return this.#journal.append(body, receivedAtMs);
  }

  #processing(message: Exclude<FromWorker, { type: 'ready' | 'failed' | 'batch' | 'log' | 'sync' | 'answer' }>): void {
    const events = this.#events;
    switch (message.type) {
      case 'pending':
        for (const id of message.added ?? []) {
          this.#pending.add(id);
          this.#fetchedUpTo = Math.max(this.#fetchedUpTo, id);
        }
        for (const id of message.removed ?? []) this.#pending.delete(id);
        return;
      case 'processed':
        this.#hooks = this.#hooks.then(() =>
          events?.processed(message.summary).catch((err: unknown) => this.#logger.error({ err, notificationId: message.summary.notificationId }, 'post-processing hook failed')),
        );
        return;
      case 'timeline':
        events?.timeline(message.entries);
        return;
      case 'storeError':
        events?.storeError(message.operation);
        return;
    }
  }

  #die(err: Error): void {
    if (this.#dead !== null) return;
    this.#dead = err;
    for (const waiting of this.#waiting.values()) waiting.reject(new FirebreakError('WEBHOOK_NOT_STORED', 'the ingest thread stopped; retry later', { statusCode: 503, retriable: true }));
    this.#waiting.clear();
  }

  #ask<T>(message: (request: number) => ToWorker, transfer: ArrayBuffer[] = []): Promise<T> {
    if (this.#dead !== null) return Promise.reject(new FirebreakError('WEBHOOK_NOT_STORED', 'the ingest thread is not running; retry later', { statusCode: 503, retriable: true }));
    const request = ++this.#requests;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(request, { resolve: resolve as (value: unknown) => void, reject });
      this.#worker.postMessage(message(request), transfer);
    });
  }

  /** What processing runs with; it starts at the first kick (the app's start). */
  prepareProcessing(start: ProcessingStart, events: IngestThreadEvents): void {
    this.#start = start;
    this.#events = events;
  }

  /** Called when the thread dies unexpectedly (processing stops; stored notifications stay). */
  onExit(listener: (err: Error) => void): void {
    this.#worker.on('exit', (code) => {
      if (!this.#stopping) listener(new Error(`the ingest thread exited (code ${code})`));
    });
  }

  /**
   * `kick(id)` after a body was stored only counts it as pending: the thread stored it and has
   * woken processing itself. The word can come after the thread already took the body up (and
   * perhaps finished it): an id it reported reaching is not counted again. `kick()` starts
   * processing (the first time) and wakes it.
   */
  kick(id?: number): void {
    if (this.#stopping || this.#dead !== null) return;
    if (id !== undefined) {
      if (id > this.#fetchedUpTo) this.#pending.add(id);
      return;
    }
    if (this.#start !== null) {
      this.#worker.postMessage({ type: 'start', start: this.#start } satisfies ToWorker);
      this.#start = null;
    }
    this.#worker.postMessage({ type: 'kick' } satisfies ToWorker);
  }

  pending(): number {
    return this.#pending.size;
  }

  async idle(): Promise<void> {
    await this.#journal?.imported();
    await this.#ask((request) => ({ type: 'idle', request }));
    await this.#hooks;
  }

  async accept(raw: Buffer, receivedAt: string): Promise<StoredBody> {
    if (this.#journal !== null) {
      // Checked there, written to the journal here: the journal gives every id. The bytes are
      // moved there and back with the summary (`raw` is left empty), so a large body is not held
      // twice while checks queue in the thread; a Buffer sharing a pool is copied.
      const body = ownsBuffer(raw) ? raw : new Uint8Array(raw);
      const checked = await this.#ask<CheckedBody>((request) => ({ type: 'check', request, body }), [body.buffer as ArrayBuffer]);
      try {
        return { id: await this.#append(checked.body, receivedAt), ...checked.summary };
      } catch (err) {
        throw notStored(err);
      }
    }
    // The bytes move to the thread without a copy when the buffer is their own.
    const body = ownsBuffer(raw) ? raw : new Uint8Array(raw);
    return this.#ask((request) => ({ type: 'body', request, body, receivedAt }), [body.buffer as ArrayBuffer]);
  }

  setRunbooks(runbooks: readonly Runbook[]): void {
    if (this.#dead === null) this.#worker.postMessage({ type: 'runbooks', runbooks } satisfies ToWorker);
  }

  /**
   * Stops processing (see Pipeline.close). The store stays open: close it (store.close()) once
   * nothing uses it any more; the thread ends after that.
   */
  async close(graceMs: number): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    if (this.#dead === null) await this.#ask((request) => ({ type: 'stop', request, graceMs }));
    await this.#hooks;
  }
}
