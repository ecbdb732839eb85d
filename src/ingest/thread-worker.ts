/**
 * The ingest thread's own side (see thread.ts): the SQLite store, served to the main thread
 * over `storePort`, and the messages that drive processing and large bodies
 * (thread-processing.ts, loaded on first use). Everything the main thread must act on is
 * posted back.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { LogLevel } from '../config/schema.ts';
import { createLogger } from '../core/logger.ts';
import { toFirebreakError } from '../errors.ts';
import { encodeError } from '../store/forward/codec.ts';
import { serveStore, storeMethods } from '../store/forward/host.ts';
import { openSqliteStore, type SqliteStoreApi } from '../store/sqlite/index.ts';
import { importFrames, recoverInbox } from './inbox/import.ts';
import type { CheckedBody, FromWorker, ToWorker } from './thread.ts';
import type { IngestWork } from './thread-processing.ts';
import { heapTrim } from './heap-trim.ts';

const port = parentPort;
if (port === null) throw new Error('thread-worker.ts runs as a worker thread');
/**
 * Posts in batches: what one turn of this thread's event loop produces (log lines, summaries,
 * timeline entries) goes in one message, sent once the turn is over.
 */
let batch: FromWorker[] = [];
/** A turn that posted something may have left a storm's garbage: collected once it is sent (heap-trim.ts). */
const trim = heapTrim();
const flush = (): void => {
  if (batch.length === 0) return;
  const messages = batch;
  batch = [];
  port.postMessage(messages.length === 1 ? messages[0] : { type: 'batch', messages });
  const pauseMs = trim.check();
  if (pauseMs !== null) logger.debug({ pauseMs: Math.round(pauseMs * 10) / 10, liveMiB: Math.round(trim.liveBytes / 2 ** 20) }, 'ingest thread: heap collected');
};
const post = (message: FromWorker): void => {
  if (batch.length === 0) setImmediate(flush);
  batch.push(message);
};
const data = workerData as { storePath: string; busyTimeoutMs?: number; logLevel: LogLevel; storePort: MessagePort };

const logger = createLogger({ level: data.logLevel }, { write: (line: string) => post({ type: 'log', line }) } as NodeJS.WritableStream);

let store: SqliteStoreApi;
try {
  store = await openSqliteStore({
    path: data.storePath,
    logger,
    ...(data.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: data.busyTimeoutMs }),
    onSync: (report) => post({ type: 'sync', report }),
  });
} catch (err) {
  post({ type: 'failed', error: encodeError(err) });
  flush();
  process.exit(1);
}
// Once the store is closed (by the main thread, last), nothing is left to do here.
const closeStore = store.close.bind(store);
store.close = async () => {
  await closeStore();
  // After the answer to this close is posted, the ports close and the thread ends.
  setImmediate(() => {
    flush();
    data.storePort.close();
    port.close();
  });
};
// Every body stored wakes processing here, so the main thread need not send a kick per request.
const appendNotification = store.appendNotification.bind(store);
store.appendNotification = async (payload, receivedAt) => {
  const stored = await appendNotification(payload, receivedAt);
  void work?.then((w) => w.kick(stored.id));
  return stored;
};
serveStore(store, data.storePort);

/** Processing and body parsing, loaded when first needed (a store-only thread starts faster). */
let work: Promise<IngestWork> | null = null;
const ingest = (): Promise<IngestWork> => (work ??= import('./thread-processing.ts').then((m) => m.ingestWork(store, logger, post)));

/**
 * Imports of the inbox journal, in the order written (ids only grow in the store, which
 * processing's reads rely on): frames that arrive while one import runs go into the next
 * together, so under load one transaction imports many writes. An import the store refuses
 * for a while (locked, unavailable) is tried again a few times before later ones; one that still
 * fails stays in the journal, imported at the next start.
 */
interface QueuedImport {
  frames: Uint8Array;
  resolve: (upTo: number) => void;
  reject: (err: unknown) => void;
}
const importQueue: QueuedImport[] = [];
let importing = false;
const IMPORT_RETRY_MS = [200, 1_000, 5_000];
/** Bounds of one import transaction. */
const IMPORT_GROUP_BYTES = 8 * 1024 * 1024;
const IMPORT_GROUP_WRITES = 256;

function queueImport(frames: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    importQueue.push({ frames, resolve, reject });
    if (!importing) void importAll();
  });
}

async function importAll(): Promise<void> {
  importing = true;
  try {
    while (importQueue.length > 0) {
      let bytes = 0;
      let count = 0;
      while (count < importQueue.length && count < IMPORT_GROUP_WRITES && (count === 0 || bytes + (importQueue[count] as QueuedImport).frames.byteLength <= IMPORT_GROUP_BYTES)) {
        bytes += (importQueue[count] as QueuedImport).frames.byteLength;
        count += 1;
      }
      const group = importQueue.splice(0, count);
      try {
        const upTo = await importPatiently(group.map((g) => g.frames));
        for (const item of group) item.resolve(upTo);
      } catch (err) {
        for (const item of group) item.reject(err);
      }
    }
  } finally {
    importing = false;
  }
}

async function importPatiently(frames: readonly Uint8Array[]): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      const upTo = await importFrames(store, frames);
      void work?.then((w) => w.kick(upTo));
      return upTo;
    } catch (err) {
      const delay = IMPORT_RETRY_MS[attempt];
      if (delay === undefined || !toFirebreakError(err).retriable) throw err;
      logger.warn({ err: toFirebreakError(err), attempt: attempt + 1, retryInMs: delay }, 'inbox journal: import failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** Answers a request after everything posted before it (its summaries come first). */
function answer(request: number, outcome: Promise<unknown>): void {
  outcome.then(
    (value) => {
      post({ type: 'answer', request, ok: true, value });
      flush();
    },
    (err: unknown) => {
      post({ type: 'answer', request, ok: false, error: encodeError(toFirebreakError(err)) });
      flush();
    },
  );
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'start':
      void ingest().then((w) => w.start(message.start));
      return;
    case 'kick':
      void ingest().then((w) => w.kick());
      return;
    case 'runbooks':
      void ingest().then((w) => w.setRunbooks(message.runbooks));
      return;
    case 'inbox':
      answer(message.request, recoverInbox(store, message.dir, logger));
      return;
    case 'import':
      answer(message.request, queueImport(message.frames));
      return;
    case 'check': {
      const { request, body } = message;
      ingest()
        .then((w) => w.checkBody(body))
        .then(
          (summary) => {
            // After everything posted before it, like answer(); the bytes move back without a copy.
            flush();
            port.postMessage({ type: 'answer', request, ok: true, value: { summary, body } satisfies CheckedBody } satisfies FromWorker, [body.buffer as ArrayBuffer]);
          },
          (err: unknown) => answer(request, Promise.reject(err)),
        );
      return;
    }
    case 'body':
      answer(message.request, ingest().then((w) => w.storeBody(message.body, message.receivedAt)));
      return;
    case 'idle':
      answer(message.request, work === null ? Promise.resolve() : ingest().then((w) => w.idle()));
      return;
    case 'stop':
      answer(message.request, work === null ? Promise.resolve() : ingest().then((w) => w.stop(message.graceMs)));
      return;
  }
});
post({ type: 'ready', methods: storeMethods(store) });
flush();
