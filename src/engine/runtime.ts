/**
 * What the engine's stages share: the injected dependencies, the template engine and parameter
 * validator, the backoff sleep, the stop signal, and {@link record}, the one way the engine
 * writes: a store transaction whose timeline entries are counted in the metrics once committed.
 */
import type { ActionRegistry } from '../actions/registry.ts';
import type { ActionContext, SafetyLimits } from '../actions/types.ts';
import type { KafkaAdmin } from '../actions/kafka/types.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { NewTimelineEntry, TimelineEntry } from '../model/incident.ts';
import { toIso } from '../incidents/normalize.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { RunbookSet } from '../runbooks/set.ts';
import type { TemplateEngine } from '../runbooks/template.ts';
import type { Store, StoreTx } from '../store/types.ts';
import { ENGINE_ACTOR } from './enqueue.ts';
import type { Sleep } from './execute.ts';
import type { LeaseSettings, RunLeases } from './leases.ts';
import type { EngineConfig } from './settings.ts';

/** Fields of every ActionContext beyond the ones the engine sets (the integrations' settings). */
export type ActionContextExtras = Omit<ActionContext, 'kafka' | 'clock' | 'logger' | 'limits' | 'signal'>;

export interface EngineDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  runbooks: RunbookSet;
  registry: ActionRegistry;
  /** The cluster; in `serve` a lazy admin that connects on first use (see kafka.ts). */
  kafka: KafkaAdmin;
  config: EngineConfig;
  actionContext?: ActionContextExtras;
  /** Backoff between retries; default real time. */
  sleep?: Sleep;
  /** Runs of different incidents executed at the same time (default 4). */
  concurrency?: number;
  /** Runs started in any minute, at most (storm control; default 30). */
  maxRunStartsPerMinute?: number;
  /** How often approvals are checked for expiry, ms; 0 or absent: only when `tick()` is called. */
  tickMs?: number;
  /** How often due timers are looked for, ms; 0 or absent: only when `tick()` or a kick asks. */
  timerPollMs?: number;
  /** Who this engine is when it holds a timer (default: host, pid and a random part). */
  owner?: string;
  /**
   * Records a notification firebreak makes up itself (a resolve reconciled from Alertmanager)
   * the way a webhook would: stored durably, then processed in order. Without it
   * reconciliation cannot resolve anything.
   */
  submitNotification?: (payload: Record<string, unknown>) => Promise<void>;
  /** Run leases (leases.ts); default: one engine per store, 30 s leases. */
  leases?: LeaseSettings;
}

export interface Runtime extends Required<Omit<EngineDeps, 'actionContext' | 'tickMs' | 'timerPollMs' | 'submitNotification' | 'leases'>> {
  actionContext: ActionContextExtras;
  templates: TemplateEngine;
  /** Aborted when the engine stops. */
  stop: AbortSignal;
  /** Aborted when a re-fire pre-empts the run this runtime executes (null outside runs). */
  preempt: AbortSignal | null;
  submitNotification: NonNullable<EngineDeps['submitNotification']> | null;
  /** The runs this engine holds, and the fencing of their writes. */
  leases: RunLeases;
  /** The run this runtime executes, while its take waits for the run's first write (run.ts); null otherwise. */
  opening: Opening | null;
}

/**
 * A run taken in its first write: {@link record} runs `take` first inside the first transaction
 * of the run (the first step's claim, or whatever the run writes first), and `taken` once that
 * transaction committed. `take` throws to roll that transaction back when the run is no longer
 * this engine's to take.
 */
export interface Opening {
  take(r: Recorder): Promise<void>;
  taken(): void;
  readonly done: boolean;
}

/** Timeline entry without the fields the engine fills in (actor defaults to `engine`). */
export type EngineEntry = Omit<NewTimelineEntry, 'actor' | 'at'> & { actor?: string; at?: string };

export interface Recorder {
  tx: StoreTx;
  /** Appends a timeline entry, `at` now and actor `engine` unless given. */
  append(entry: EngineEntry): Promise<TimelineEntry>;
  /** Now, as the ISO time the store keeps. */
  now: string;
}

/**
 * Runs `fn` in one store transaction (its timeline entries reach the record stage after the
 * commit). In a run whose take waits for its first write (`rt.opening`), that write takes it first.
 */
export async function record<T>(rt: Pick<Runtime, 'store' | 'clock'> & { opening?: Opening | null }, fn: (r: Recorder) => Promise<T>): Promise<T> {
  const opening = rt.opening?.done === false ? rt.opening : null;
  const result = await rt.store.transaction(async (tx) => {
    const now = toIso(rt.clock.now());
    const r: Recorder = {
      tx,
      now,
      append: (entry) => tx.appendTimeline({ ...entry, actor: entry.actor ?? ENGINE_ACTOR, at: entry.at ?? now }),
    };
    if (opening !== null) await opening.take(r);
    return fn(r);
  });
  opening?.taken();
  return result;
}

/** The ActionContext of one attempt. */
export function actionContext(rt: Runtime, limits: SafetyLimits, signal: AbortSignal, logger: Logger): ActionContext {
  return { ...rt.actionContext, kafka: rt.kafka, clock: rt.clock, logger, limits, signal };
}
