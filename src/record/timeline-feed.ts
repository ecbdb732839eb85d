/**
 * The record stage's input: every timeline entry, once it is committed. {@link withTimelineFeed}
 * decorates a store so that each entry appended through it is handed to the recorders after its
 * transaction commits (or, for a direct `appendTimeline`, after it resolves). Entries of a
 * transaction that rolls back are never reported. Whoever appends timeline entries (incident
 * processing, the engine, the HTTP API) needs to know nothing about it.
 *
 * Recorders are called synchronously, in append order, and must return at once: they queue
 * their work (a Grafana outage must never slow the pipeline). A recorder that throws is logged
 * and does not affect the others or the caller.
 */
import type { Logger } from '../core/logger.ts';
import type { NewTimelineEntry, TimelineEntry, TimelineKind } from '../model/incident.ts';
import type { Store, StoreTx } from '../store/types.ts';

/** A record-stage subscriber (Grafana annotations, ...). */
export interface TimelineRecorder {
  name: string;
  /** Committed entries, in append order. Must not block or throw. */
  observe(entries: readonly TimelineEntry[]): void;
  /**
   * True when the recorder also finds entries other processes commit by reading the store (the
   * live feed): entries the ingest thread commits then need not be handed over to it.
   */
  readsStore?: boolean;
  /**
   * Present on a recorder that only counts entries by kind (the timeline-entry metric): entries
   * the ingest thread commits reach it as counts, never whole.
   */
  countKinds?(counts: Readonly<Partial<Record<TimelineKind, number>>>): void;
}

/**
 * The store with a timeline feed: every other method is the store's own (bound to it). Pass the
 * decorated store to everything that appends entries, and the plain one to recorders that append
 * their own (`annotation.*`), so they do not hear themselves.
 */
export function withTimelineFeed(store: Store, recorders: readonly TimelineRecorder[], logger: Logger): Store {
  const emit = (entries: TimelineEntry[]): void => emitTimeline(recorders, entries, logger);
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'transaction') {
        return async <T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> => {
          const appended: TimelineEntry[] = [];
          const result = await target.transaction((tx) => fn(collecting(tx, appended)));
          emit(appended);
          return result;
        };
      }
      if (property === 'appendTimeline') {
        return async (entry: NewTimelineEntry): Promise<TimelineEntry> => {
          const written = await target.appendTimeline(entry);
          emit([written]);
          return written;
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      // Bound to the real store: its methods may use private fields, which a proxy lacks.
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Hands committed entries to the recorders, each isolated from the others' failures (also used
 * for the entries the ingest thread commits on its own connection).
 */
export function emitTimeline(recorders: readonly TimelineRecorder[], entries: readonly TimelineEntry[], logger: Logger): void {
  if (entries.length === 0) return;
  for (const recorder of recorders) {
    try {
      recorder.observe(entries);
    } catch (err) {
      logger.error({ err, recorder: recorder.name }, 'a timeline recorder failed');
    }
  }
}

/** The transaction's handle, noting each entry it appends. */
function collecting(tx: StoreTx, appended: TimelineEntry[]): StoreTx {
  return new Proxy(tx, {
    get(target, property, receiver) {
      if (property === 'appendTimeline') {
        return async (entry: NewTimelineEntry): Promise<TimelineEntry> => {
          const written = await target.appendTimeline(entry);
          appended.push(written);
          return written;
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
