/**
 * Where notifications are processed: in this thread (createPipeline; tests and in-process use)
 * or on the ingest thread (thread.ts; what `serve` runs), with the same options either way:
 * the engine's incident keys and outbox, and storm control (src/incidents/storm.ts).
 */
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Engine } from '../engine/engine.ts';
import { stormFoldForAlert } from '../engine/enqueue.ts';
import type { ProcessOptions } from '../incidents/process.ts';
import { StormGate, type StormSettings } from '../incidents/storm.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { emitTimeline, type TimelineRecorder } from '../record/timeline-feed.ts';
import type { Store } from '../store/types.ts';
import type { BodyOffload } from './accept.ts';
import { createPipeline, type Pipeline, type PostProcessHook } from './pipeline.ts';
import type { IngestThread } from './thread.ts';

export interface ProcessingDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  engine: Engine | null;
  /** Which alerts share an incident when there is no engine; default: the groupKey. */
  keyFor?: ProcessOptions['keyFor'];
  /** In-process only: called with every processing result, in order. */
  hooks?: readonly PostProcessHook[];
  retryDelaysMs?: readonly number[];
  storm: StormSettings;
  /** Told of committed timeline entries (those the ingest thread commits are forwarded). */
  recorders: readonly TimelineRecorder[];
  /** Process on the ingest thread that holds `store`; absent: in this thread. */
  thread?: IngestThread;
}

export interface Processing {
  pipeline: Pipeline;
  /** Takes large webhook bodies off the event loop (the ingest thread), or null. */
  offload: BodyOffload | null;
}

export function createProcessing(deps: ProcessingDeps): Processing {
  const { engine, metrics, logger, thread } = deps;
  if (thread !== undefined) {
    if ((deps.hooks ?? []).length > 0) throw new Error('post-processing hooks run only with in-process processing');
    // Counters (the timeline-entry metric) get counts by kind with each summary; the others get
    // entries, handed over only when one needs them (Grafana, notifications): the live feed reads
    // what the thread commits from the store, as it does for other replicas.
    const counters = deps.recorders.filter((r) => r.countKinds !== undefined);
    const others = deps.recorders.filter((r) => r.countKinds === undefined);
    thread.prepareProcessing(
      { runbooks: engine?.runbooks.runbooks ?? [], storm: deps.storm, timeline: others.some((r) => r.readsStore !== true) },
      {
        async processed(summary) {
          metrics.notificationProcessed({ duplicates: summary.duplicates, folded: summary.folded });
          for (const counter of counters) counter.countKinds?.(summary.entries);
          // Only a run requested gives the engine something to start (its own timers poll).
          if (summary.runs > 0) engine?.kick();
        },
        timeline: (entries) => emitTimeline(others, entries, logger),
        storeError: (operation) => metrics.storeError(operation),
      },
    );
    engine?.runbooks.onReload((runbooks) => thread.setRunbooks(runbooks));
    metrics.observePending(() => thread.pending());
    return { pipeline: thread, offload: thread };
  }
  const gate = new StormGate(deps.storm);
  const options: ProcessOptions =
    engine !== null
      ? { keyFor: engine.keyFor, withinTransaction: engine.withinTransaction, storm: { gate, foldFor: (alert) => stormFoldForAlert(engine.runbooks, alert) } }
      : { ...(deps.keyFor === undefined ? {} : { keyFor: deps.keyFor }), storm: { gate, foldFor: (alert) => stormFoldForAlert({ select: () => null, matching: () => [] }, alert) } };
  const hooks: PostProcessHook[] = [...(deps.hooks ?? [])];
  if (engine !== null) hooks.push((result) => engine.afterProcess(result));
  const pipeline = createPipeline({
    store: deps.store,
    clock: deps.clock,
    logger,
    metrics,
    options: () => options,
    hooks,
    ...(deps.retryDelaysMs === undefined ? {} : { retryDelaysMs: deps.retryDelaysMs }),
  });
  return { pipeline, offload: null };
}
