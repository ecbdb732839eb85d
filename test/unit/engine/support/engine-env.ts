/**
 * An engine over an in-memory SQLite store, a fake clock, a real ActionRegistry with the test
 * actions and runbooks loaded from YAML: notifications are delivered the way the app does it
 * (stored, processed with the engine's outbox in the transaction, then the hook), and
 * `deliver` waits until the engine has nothing left to do.
 */
import { lazyKafkaAdmin } from '../../../../src/engine/kafka.ts';
import { createEngine, type Engine } from '../../../../src/engine/engine.ts';
import type { EngineConfig } from '../../../../src/engine/settings.ts';
import { DEFAULT_ENGINE_LIMITS } from '../../../../src/model/engine.ts';
import { processNotification, type ProcessResult } from '../../../../src/incidents/process.ts';
import type { TimelineEntry } from '../../../../src/model/incident.ts';
import { createMetrics, type Metrics } from '../../../../src/metrics/metrics.ts';
import type { RunbookSet } from '../../../../src/runbooks/set.ts';
import type { Store } from '../../../../src/store/types.ts';
import type { FakeClock } from '../../../../src/core/clock.ts';
import type { Logger } from '../../../../src/core/logger.ts';
import { openMemoryStore } from '../../incidents/memory-store.ts';
import { testRunbookSet } from './runbooks.ts';
import { TestSystem, testConditions, testRegistry } from './test-actions.ts';
import type { ActionRegistry } from '../../../../src/actions/registry.ts';
import { registerKafkaActions } from '../../../../src/actions/kafka/index.ts';

export interface EngineEnv {
  store: Store;
  clock: FakeClock;
  logger: Logger;
  system: TestSystem;
  registry: ActionRegistry;
  runbooks: RunbookSet;
  texts: { current: string[] };
  metrics: Metrics;
  engine: Engine;
  config: EngineConfig;
  /** Backoff waits the engine asked for, ms (the fake sleep advances the clock instead). */
  delays: number[];
  deliver(body: unknown): Promise<ProcessResult>;
  /** A second engine on the same store, as a restarted process would build it. */
  restart(): Engine;
  /** Moves the fake clock on by `ms` and lets the engine run what fell due. */
  advance(ms: number): Promise<void>;
  timeline(incidentId: string): Promise<TimelineEntry[]>;
  kinds(incidentId: string): Promise<string[]>;
  close(): Promise<void>;
}

export interface EnvOptions {
  /** Also register the real Kafka actions (they meet an admin without brokers). */
  kafkaActions?: boolean;
  mode?: EngineConfig['mode'];
  safety?: Partial<EngineConfig['safety']>;
  engine?: Partial<NonNullable<EngineConfig['engine']>>;
  /** Storm control of the engine's worker (default: the engine's). */
  maxRunStartsPerMinute?: number;
}

export async function engineEnv(runbooks: string[], options: EnvOptions = {}): Promise<EngineEnv> {
  const { store, clock, logger } = await openMemoryStore();
  const system = new TestSystem();
  const registry = testRegistry(system);
  if (options.kafkaActions === true) registerKafkaActions(registry);
  testConditions(registry, system);
  const texts = { current: runbooks };
  const set = await testRunbookSet(registry, texts);
  const metrics = createMetrics({ processMetrics: false });
  const delays: number[] = [];
  const config: EngineConfig = {
    mode: options.mode ?? 'enforce',
    safety: { minQuotaByteRate: 65_536, minRetentionMs: 3_600_000, protectedTopics: [], ...options.safety },
    engine: { ...DEFAULT_ENGINE_LIMITS, ...options.engine },
  };
  const build = () =>
    createEngine({
      store,
      clock,
      logger,
      metrics,
      runbooks: set,
      registry,
      kafka: lazyKafkaAdmin(null, () => {
        throw new Error('no Kafka in unit tests');
      }),
      config,
      ...(options.maxRunStartsPerMinute === undefined ? {} : { maxRunStartsPerMinute: options.maxRunStartsPerMinute }),
      sleep: async (ms) => {
        delays.push(ms);
        clock.advance(ms);
      },
      // Timers fall due on the fake clock: tests advance it and kick the engine themselves.
      timerPollMs: 0,
    });
  const env: EngineEnv = {
    store,
    clock,
    logger,
    system,
    registry,
    runbooks: set,
    texts,
    metrics,
    engine: build(),
    config,
    delays,
    async deliver(body) {
      const stored = await store.appendNotification(body, new Date(clock.now()).toISOString());
      const result = await processNotification({ store, clock, logger }, stored, {
        keyFor: env.engine.keyFor,
        withinTransaction: env.engine.withinTransaction,
      });
      await env.engine.afterProcess(result);
      await env.engine.idle();
      return result;
    },
    restart() {
      env.engine = build();
      return env.engine;
    },
    async advance(ms) {
      clock.advance(ms);
      env.engine.kick();
      await env.engine.idle();
    },
    timeline: (incidentId) => store.timeline(incidentId),
    async kinds(incidentId) {
      return (await store.timeline(incidentId)).map((e) => e.kind);
    },
    async close() {
      await env.engine.close(0);
      await store.close();
    },
  };
  await env.engine.start();
  return env;
}

/** The only incident in the store. */
export async function onlyIncident(store: Store): Promise<string> {
  const { items } = await store.listIncidents({ limit: 10 });
  if (items.length !== 1) throw new Error(`expected one incident, found ${items.length}`);
  return items[0]!.id;
}

/** Timeline entries of `kind`, as `[stepId, reason]` pairs. */
export function decisions(entries: TimelineEntry[], kind: string): Array<[unknown, unknown]> {
  return entries.filter((e) => e.kind === kind).map((e) => [e.data.stepId, (e.data.decision as { reason?: unknown } | undefined)?.reason]);
}
