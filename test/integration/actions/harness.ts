/**
 * Runs Kafka actions against the shared test cluster the way the engine does: params validated
 * by the registry, then plan / execute / revert with a real admin client. Also small helpers to
 * read live state and to wait for it (KRaft brokers learn of quota and config changes from the
 * metadata log, so a read right after a write can briefly see the old value on another broker).
 */
import { createKafkaAdmin } from '../../../src/actions/kafka/client.ts';
import { registerKafkaActions } from '../../../src/actions/kafka/index.ts';
import type { KafkaAdmin, QuotaEntity } from '../../../src/actions/kafka/types.ts';
import { ActionRegistry } from '../../../src/actions/registry.ts';
import type { ActionContext, ExecuteResult, Plan, RevertOutcome, SafetyLimits } from '../../../src/actions/types.ts';
import { systemClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { FirebreakError } from '../../../src/errors.ts';
import type { Cluster } from '../../support/kafka.ts';

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
 * Polls `read` until `accept` holds on 3 consecutive reads (reads go to a random broker, and each
 * broker catches up with the metadata log on its own); fails with the last value after `timeoutMs`.
 */
export async function until<T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let streak = 0;
  for (;;) {
    const value = await read();
    streak = accept(value) ? streak + 1 : 0;
    if (streak >= 3) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The quota values set on exactly this entity ({} when it has none). */
export async function quotaOf(admin: KafkaAdmin, entity: QuotaEntity): Promise<Record<string, number>> {
  const entries = await admin.describeClientQuotas({ entity, strict: true });
  const keys = (e: QuotaEntity) => JSON.stringify([e.user, e['client-id']]);
  return (entries.find((e) => keys(e.entity) === keys(entity) && ('user' in e.entity) === ('user' in entity) && ('client-id' in e.entity) === ('client-id' in entity))?.values ?? {}) as Record<
    string,
    number
  >;
}

/** The dynamic (set on the resource) configs of a topic or broker, as key → value. */
export async function dynamicConfigs(admin: KafkaAdmin, type: 'topic' | 'broker', name: string): Promise<Record<string, string | null>> {
  const entries = await admin.describeConfigs({ type, name });
  return Object.fromEntries(entries.filter((e) => e.isDynamic).map((e) => [e.name, e.value]));
}

/**
 * Waits until reads of the entity's quota settle on `expected` (see {@link until}); fails with
 * the last value read. Every assertion on live state goes through such a wait: a single read can
 * come from a broker that has not caught up with the metadata log yet.
 */
export function quotaSettled(admin: KafkaAdmin, entity: QuotaEntity, expected: Record<string, number>): Promise<Record<string, number>> {
  return until(() => quotaOf(admin, entity), (v) => same(v, expected), `quota ${JSON.stringify(entity)} = ${JSON.stringify(expected)}`);
}

/** Waits until reads of the dynamic configs (only `keys`, when given) settle on `expected`. */
export function configsSettled(
  admin: KafkaAdmin,
  type: 'topic' | 'broker',
  name: string,
  expected: Record<string, string>,
  keys?: string[],
): Promise<Record<string, string | null>> {
  const read = async () => {
    const all = await dynamicConfigs(admin, type, name);
    return keys === undefined ? all : Object.fromEntries(Object.entries(all).filter(([k]) => keys.includes(k)));
  };
  return until(read, (v) => same(v, expected), `${type} ${name} configs = ${JSON.stringify(expected)}`);
}

function same(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
}

function sorted(o: Record<string, unknown>): Array<[string, unknown]> {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1));
}

/** The FirebreakError a promise rejects with (fails if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<FirebreakError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof FirebreakError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}
