/**
 * Runs Kafka actions against the shared test cluster the way the engine does: params validated
 * by the registry, then plan / execute / revert with a real admin client. Also small helpers to
 * read live state. They read with all-brokers consistency, as the actions do: every live broker
 * must agree, and a write made by the same admin (or by an action, which waits until every
 * broker shows its change) is visible at once, so tests assert on a single read.
 */
import { createKafkaAdmin } from '../../../src/actions/kafka/client.ts';
import { registerKafkaActions } from '../../../src/actions/kafka/index.ts';
import type { KafkaAdmin, QuotaEntity } from '../../../src/actions/kafka/types.ts';
import { ActionRegistry } from '../../../src/actions/registry.ts';
import type { ActionContext, ExecuteResult, Plan, RevertOutcome, SafetyLimits } from '../../../src/actions/types.ts';
import { systemClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { eventually } from '../../support/eventually.ts';
import type { Cluster } from '../../support/kafka.ts';
export { rejection } from '../../support/rejection.ts';

export const TEST_LIMITS: SafetyLimits = { minQuotaByteRate: 1024, minRetentionMs: 60_000, protectedTopics: ['protected-.*'] };

export interface Harness {
  admin: KafkaAdmin;
  ctx: ActionContext;
  plan(name: string, params: unknown): Promise<Plan>;
  execute(name: string, params: unknown): Promise<ExecuteResult>;
  revert(name: string, params: unknown, record: { prior: unknown; applied: unknown }): Promise<RevertOutcome>;
  close(): Promise<void>;
}

export function actionHarness(cluster: Cluster, limits: SafetyLimits = TEST_LIMITS): Harness {
  const registry = registerKafkaActions(new ActionRegistry());
  const admin = createKafkaAdmin({ brokers: cluster.bootstrapServers.split(','), clientId: 'firebreak-test' }, { logger: silentLogger() });
  const ctx: ActionContext = { kafka: admin, clock: systemClock, logger: silentLogger(), limits };
  return {
    admin,
    ctx,
    plan: (name, params) => registry.get(name).plan(ctx, registry.validateParams(name, params)),
    execute: (name, params) => registry.get(name).execute(ctx, registry.validateParams(name, params)),
    revert: (name, params, record) => {
      const action = registry.get(name);
      if (action.revert === undefined) throw new Error(`${name} has no revert`);
      return action.revert(ctx, registry.validateParams(name, params), record);
    },
    close: () => admin.close(),
  };
}

/**
 * Poll options for state that changes by itself over time (a reassignment finishing): 3
 * consecutive accepted reads, so one early good read among stale ones does not pass. Not for
 * what a write just changed: an all-brokers read shows that at once.
 */
export const SETTLED = { consecutive: 3 } as const;

/**
 * An {@link eventually} assertion that reads once and resolves with the value when `accept`
 * holds, else throws with the value read, so a timeout shows the last value.
 */
export function accepting<T>(read: () => Promise<T>, accept: (value: T) => boolean): () => Promise<T> {
  return async () => {
    const value = await read();
    if (!accept(value)) throw new Error(`last: ${JSON.stringify(value)}`);
    return value;
  };
}

const ALL_BROKERS = { consistency: 'all-brokers' } as const;

/** The quota values set on exactly this entity ({} when it has none), as every broker agrees. */
export async function quotaOf(admin: KafkaAdmin, entity: QuotaEntity): Promise<Record<string, number>> {
  const entries = await admin.describeClientQuotas({ entity, strict: true }, ALL_BROKERS);
  const keys = (e: QuotaEntity) => JSON.stringify([e.user, e['client-id']]);
  return (entries.find((e) => keys(e.entity) === keys(entity) && ('user' in e.entity) === ('user' in entity) && ('client-id' in e.entity) === ('client-id' in entity))?.values ?? {}) as Record<
    string,
    number
  >;
}

/** The dynamic (set on the resource) configs of a topic or broker, as key → value, as every broker agrees. */
export async function dynamicConfigs(admin: KafkaAdmin, type: 'topic' | 'broker', name: string): Promise<Record<string, string | null>> {
  const entries = await admin.describeConfigs({ type, name }, undefined, ALL_BROKERS);
  return Object.fromEntries(entries.filter((e) => e.isDynamic).map((e) => [e.name, e.value]));
}

/** {@link dynamicConfigs}, only `keys` when given. */
export async function configsOf(admin: KafkaAdmin, type: 'topic' | 'broker', name: string, keys?: string[]): Promise<Record<string, string | null>> {
  const all = await dynamicConfigs(admin, type, name);
  return keys === undefined ? all : Object.fromEntries(Object.entries(all).filter(([k]) => keys.includes(k)));
}

/** Waits until the entity's quota is `expected` (see {@link SETTLED}); fails with the last value read. */
export function quotaSettled(admin: KafkaAdmin, entity: QuotaEntity, expected: Record<string, number>): Promise<Record<string, number>> {
  return eventually(
    accepting(() => quotaOf(admin, entity), (v) => same(v, expected)),
    { ...SETTLED, what: `quota ${JSON.stringify(entity)} = ${JSON.stringify(expected)}` },
  );
}

/** Waits until the dynamic configs (only `keys`, when given) are `expected` (see {@link SETTLED}). */
export function configsSettled(
  admin: KafkaAdmin,
  type: 'topic' | 'broker',
  name: string,
  expected: Record<string, string>,
  keys?: string[],
): Promise<Record<string, string | null>> {
  return eventually(
    accepting(() => configsOf(admin, type, name, keys), (v) => same(v, expected)),
    { ...SETTLED, what: `${type} ${name} configs = ${JSON.stringify(expected)}` },
  );
}

function same(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
}

function sorted(o: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1));
}

