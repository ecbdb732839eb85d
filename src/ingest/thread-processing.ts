/**
 * What the ingest thread does besides serving the store (thread-worker.ts): the processing
 * pipeline with the engine's outbox and storm control, on the thread's own store, and the
 * parsing and storing of large webhook bodies (accept.ts does the same for small ones).
 */
import type { Logger } from '../core/logger.ts';
import { systemClock } from '../core/clock.ts';
import { keyForAlert, recordRunRequests, stormFoldForAlert, type RunbookSource } from '../engine/enqueue.ts';
import type { TimelineEntry, TimelineKind } from '../model/incident.ts';
import type { ProcessOptions } from '../incidents/process.ts';
import { StormGate } from '../incidents/storm.ts';
import { withTimelineFeed } from '../record/timeline-feed.ts';
import { matchingRunbooks, selectRunbook } from '../runbooks/select.ts';
import type { Runbook } from '../runbooks/types.ts';
import { JsonText } from '../store/json-text.ts';
import type { Store } from '../store/types.ts';
import { checkBody, notStored, parseBody, type StoredBody } from './accept.ts';
import { createPipeline, type Pipeline } from './pipeline.ts';
import { RunCounts } from './run-counts.ts';
import { countKinds, type FromWorker, type ProcessingStart } from './thread.ts';
import { createWebhookValidator, type WebhookValidator } from './validate.ts';

export interface IngestWork {
  start(start: ProcessingStart): void;
  /** Wakes processing; `id`: a body just stored (the store writes, see Pipeline.kick). */
  kick(id?: number): void;
  setRunbooks(runbooks: readonly Runbook[]): void;
  storeBody(body: Uint8Array, receivedAt: string): Promise<StoredBody>;
  /** Parses and checks a body without storing it (the inbox journal stores it). */
  checkBody(body: Uint8Array): Omit<StoredBody, 'id'>;
  idle(): Promise<void>;
  stop(graceMs: number): Promise<void>;
}

/**
 * How long one processing transaction works before it commits (the pipeline's default is 8 ms).
 * Small webhook bodies are acknowledged through the inbox journal without this thread, so
 * while only those arrive, a transaction works 16 ms: a backlog drains with half as many
 * commits, each covering more notifications of the same incidents (bench/RESULTS.md,
 * "Processing: CPU per notification drained"). A body over the offload size (accept.ts) is
 * checked here before its acknowledgement, behind the transaction under way: for a second after
 * one, transactions keep to 8 ms.
 */
const SLICE_MS = 16;
const SLICE_MS_WHILE_CHECKING = 8;
const CHECKING_FOR_MS = 1_000;

export function ingestWork(store: Store, logger: Logger, post: (message: FromWorker) => void): IngestWork {
  let runbooks: readonly Runbook[] = [];
  const source: RunbookSource = {
    select: (labels) => selectRunbook(runbooks, labels),
    matching: (labels) => matchingRunbooks(runbooks, labels),
  };
  let pipeline: Pipeline | null = null;
  let validate: WebhookValidator | null = null;
  /** When this thread last parsed a body for its acknowledgement (performance.now()). */
  let checkedAt = -Infinity;
  const sliceMs = (): number => (performance.now() - checkedAt < CHECKING_FOR_MS ? SLICE_MS_WHILE_CHECKING : SLICE_MS);

  /** The pipeline, on the same store, with what the app knows (runbooks, storm caps, recorders). */
  function startProcessing(start: ProcessingStart): Pipeline {
    runbooks = start.runbooks;
    const gate = new StormGate(start.storm);
    // Committed entries counted by kind here (the main thread's timeline counter gets the counts
    // with each summary), and handed over whole only when a recorder there needs them.
    let counted: Partial<Record<TimelineKind, number>> = {};
    const counter = { name: 'timeline counts', observe: (entries: readonly { kind: TimelineKind }[]) => void countKinds(entries, counted) };
    const poster = { name: 'main thread', observe: (entries: readonly TimelineEntry[]) => post({ type: 'timeline', entries: [...entries] }) };
    const fed = withTimelineFeed(store, start.timeline ? [counter, poster] : [counter], logger);
    const outbox = new RunCounts();
    const options: ProcessOptions = {
      keyFor: (alert, notification) => keyForAlert(source, alert, notification),
      async withinTransaction(tx, result, notification, cache) {
        // Counts the runs requested, so the main thread wakes the engine only when there is one.
        outbox.add(result.notificationId, await recordRunRequests({ runbooks: source, clock: systemClock }, tx, result, notification, cache));
      },
      storm: { gate, foldFor: (alert) => stormFoldForAlert(source, alert) },
    };
    return createPipeline({
      store: fed,
      clock: systemClock,
      logger,
      sliceMs,
      metrics: {
        observePending: () => {},
        storeError: (operation) => post({ type: 'storeError', operation }),
        // Counted in the main thread, from the summary.
        notificationProcessed: () => {},
      },
      options: () => options,
      hooks: [
        async (result) => {
          const runs = outbox.take(result.notificationId);
          const entries = counted;
          counted = {};
          const { notificationId, alerts, duplicates, incidents, folded } = result;
          post({ type: 'processed', summary: { notificationId, alerts, duplicates, incidents, folded, entries, runs } });
        },
      ],
      onPending: (change) => post({ type: 'pending', ...change }),
      onDropped: (ids) => outbox.drop(ids),
    });
  }

  return {
    start(start) {
      pipeline ??= startProcessing(start);
    },
    kick: (id) => pipeline?.kick(id),
    setRunbooks(next) {
      runbooks = next;
    },
    checkBody(body) {
      checkedAt = performance.now();
      const { value } = parseBody(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
      return checkBody((validate ??= createWebhookValidator()), value);
    },
    async storeBody(body, receivedAt) {
      checkedAt = performance.now();
      const { value, text } = parseBody(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
      const summary = checkBody((validate ??= createWebhookValidator()), value);
      try {
        return { id: (await store.appendNotification(new JsonText(text), receivedAt)).id, ...summary };
      } catch (err) {
        throw notStored(err);
      }
    },
    idle: () => pipeline?.idle() ?? Promise.resolve(),
    stop: (graceMs) => pipeline?.close(graceMs) ?? Promise.resolve(),
  };
}
