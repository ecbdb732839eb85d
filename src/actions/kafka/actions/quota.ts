/**
 * Client quota helpers shared by `kafka.setClientQuota` and `kafka.removeClientQuota`: entity
 * naming, reading the live values of one exact entity, the pure change list, and the revert that
 * restores a {@link QuotaRecord}.
 *
 * A quota record is `{ entity, values }` with Kafka's key names; a `null` value means "no quota
 * for this key" (so reverting to it removes the key rather than setting a number).
 */
import { FirebreakError } from '../../../errors.ts';
import type { ActionContext, Change, Plan, RevertOutcome } from '../../types.ts';
import type { KafkaAdmin, QuotaEntity, QuotaKey } from '../types.ts';
import { decideRevert, revertOutcome } from './revert-decision.ts';
import { awaitVisible, readCurrent } from './live-state.ts';
import { actionError } from '../../errors.ts';
import { assertQuotasCanAct } from './quota-callback.ts';
import { sideBySide } from './side-by-side.ts';

/** The quota params firebreak manages and the broker key each one sets. */
export const QUOTA_PARAMS = {
  producerByteRate: 'producer_byte_rate',
  consumerByteRate: 'consumer_byte_rate',
  requestPercentage: 'request_percentage',
} as const satisfies Record<string, QuotaKey>;

export type QuotaParamName = keyof typeof QUOTA_PARAMS;
export type ManagedQuotaKey = (typeof QUOTA_PARAMS)[QuotaParamName];

export const QUOTA_PARAM_NAMES = Object.keys(QUOTA_PARAMS) as QuotaParamName[];

/** Keys whose value is a byte rate and therefore subject to the quota floor. */
export const BYTE_RATE_KEYS: ReadonlySet<QuotaKey> = new Set(['producer_byte_rate', 'consumer_byte_rate']);

export type QuotaValues = Partial<Record<QuotaKey, number | null>>;

export interface QuotaRecord {
  entity: QuotaEntity;
  values: QuotaValues;
}

const ENTITY_TYPES = ['user', 'client-id'] as const;

/** `user=alice,client-id=app1`; the default entity shows as `<default>`. Kafka's order: user first. */
export function entityLabel(entity: QuotaEntity): string {
  return ENTITY_TYPES.filter((t) => entity[t] !== undefined)
    .map((t) => `${t}=${entity[t] ?? '<default>'}`)
    .join(',');
}

/** The `resource` of a quota change: `quota:client-id=app1`. */
export function quotaResource(entity: QuotaEntity): string {
  return `quota:${entityLabel(entity)}`;
}

/** Same entity types with the same names (null = default) on both sides. */
export function sameEntity(a: QuotaEntity, b: QuotaEntity): boolean {
  return ENTITY_TYPES.every((t) => (a[t] === undefined) === (b[t] === undefined) && (a[t] ?? null) === (b[t] ?? null));
}

/**
 * Each key's value on exactly `entity` (not inherited from a default), null if unset, as every
 * live broker agrees (an all-brokers read, see live-state.ts).
 */
export async function readQuotaValues(kafka: KafkaAdmin, entity: QuotaEntity, keys: readonly QuotaKey[]): Promise<Record<string, number | null>> {
  const entries = await kafka.describeClientQuotas({ entity, strict: true }, { consistency: 'all-brokers' });
  const own = entries.find((e) => sameEntity(e.entity, entity));
  return Object.fromEntries(keys.map((k) => [k, own?.values[k] ?? null]));
}

/** The current values of `keys` on `entity`, to decide on (see live-state.ts). */
export function currentQuotaValues(ctx: ActionContext, entity: QuotaEntity, keys: readonly QuotaKey[]): Promise<Record<string, number | null>> {
  return readCurrent(quotaResource(entity), () => readQuotaValues(ctx.kafka, entity, keys));
}

/**
 * The values of the keys of `target` on `entity` before an execute changes them (its prior
 * state). From `ctx.planned` when the engine hands over the plan of this execution and that plan
 * is about exactly this entity and target ({@link plannedQuotaValues}): the plan read them moments
 * before, beside the custom-callback check, with all-brokers reads, and the step's claim records
 * them. Otherwise (`firebreak action`, a plan of something else) read now, beside the callback
 * check. Either way nothing changes before both were checked.
 */
export async function priorQuotaValues(ctx: ActionContext, entity: QuotaEntity, target: QuotaValues): Promise<Record<string, number | null>> {
  const planned = plannedQuotaValues(ctx.planned, entity, target);
  if (planned !== null) return planned;
  const keys = Object.keys(target) as QuotaKey[];
  const [, current] = await sideBySide([() => assertQuotasCanAct(ctx, quotaResource(entity)), () => currentQuotaValues(ctx, entity, keys)] as const);
  return current;
}

/**
 * The values a plan read, for the keys of `target` on `entity`: a key the plan changes had its
 * `from`; a key it leaves out already had its target value (plans leave out what is already as
 * requested). Null when the plan changes anything else, or to another value, or its `from` is not a
 * quota value: then it is not this execution's plan. Pure.
 */
export function plannedQuotaValues(plan: Plan | undefined, entity: QuotaEntity, target: QuotaValues): Record<string, number | null> | null {
  if (plan === undefined) return null;
  const resource = quotaResource(entity);
  const values: Record<string, number | null> = {};
  for (const [key, to] of Object.entries(target)) values[key] = to ?? null;
  for (const change of plan.changes) {
    if (change.resource !== resource || !(change.key in values) || change.to !== values[change.key]) return null;
    if (!(change.from === null || (typeof change.from === 'number' && Number.isFinite(change.from)))) return null;
    values[change.key] = change.from;
  }
  return values;
}

/**
 * Sets (number) or removes (null) quota keys of one entity and waits until every broker shows
 * it, so the change is in force everywhere and a revert or plan that follows sees it (see
 * live-state.ts).
 */
export async function writeQuotaValues(ctx: ActionContext, entity: QuotaEntity, set: QuotaValues): Promise<void> {
  await ctx.kafka.alterClientQuotas([{ entity, set }]);
  const keys = Object.keys(set) as QuotaKey[];
  await awaitVisible(
    ctx,
    quotaResource(entity),
    () => readQuotaValues(ctx.kafka, entity, keys),
    (live) => keys.every((k) => live[k] === (set[k] ?? null)),
  );
}

/** The changes that setting `target` over `current` makes (keys already equal are left out). */
export function quotaChanges(entity: QuotaEntity, current: QuotaValues, target: QuotaValues): Change[] {
  const resource = quotaResource(entity);
  return Object.entries(target)
    .filter(([key, to]) => (current[key as QuotaKey] ?? null) !== to)
    .map(([key, to]) => ({ resource, key, from: current[key as QuotaKey] ?? null, to }));
}

/**
 * Restores `prior` where the live value still equals `applied` (see revert-decision.ts).
 * Quotas are never on a protected resource, and restoring exactly what was there before is not
 * subject to floors: the floors bound what firebreak chooses, not what operators had.
 */
export async function revertQuotaRecord(ctx: ActionContext, record: { prior: unknown; applied: unknown }): Promise<RevertOutcome> {
  const prior = parseQuotaRecord(record.prior, 'prior');
  const applied = parseQuotaRecord(record.applied, 'applied');
  if (!sameEntity(prior.entity, applied.entity)) {
    throw invalidRecord('prior and applied name different quota entities');
  }
  const keys = Object.keys(applied.values) as QuotaKey[];
  if (keys.some((k) => !(k in prior.values))) throw invalidRecord('prior has no value for every key applied');
  const live = await currentQuotaValues(ctx, applied.entity, keys);
  const resource = quotaResource(applied.entity);
  const decision = decideRevert(
    keys.map((key) => ({ resource, key, prior: prior.values[key] ?? null, applied: applied.values[key] ?? null, live: live[key] ?? null })),
  );
  if (decision.restore.length > 0) {
    const set: QuotaValues = Object.fromEntries(decision.restore.map((c) => [c.key, c.to]));
    await writeQuotaValues(ctx, applied.entity, set);
    ctx.logger.info({ resource, restored: decision.restore.length, conflicts: decision.conflicts.length }, 'quota reverted');
  }
  return revertOutcome(decision);
}

/** Checks the shape of a stored (or hand-written) quota record; `ACTION_REVERT_RECORD_INVALID`. */
export function parseQuotaRecord(value: unknown, what: string): QuotaRecord {
  if (!isObject(value) || !isObject(value['entity']) || !isObject(value['values'])) {
    throw invalidRecord(`${what} must be { entity, values }`);
  }
  const entity = value['entity'];
  const keys = Object.keys(entity);
  if (keys.length === 0 || !keys.every((k) => (ENTITY_TYPES as readonly string[]).includes(k) && (entity[k] === null || typeof entity[k] === 'string'))) {
    throw invalidRecord(`${what}.entity must have user and/or client-id, each a string or null`);
  }
  const values = value['values'];
  for (const [key, v] of Object.entries(values)) {
    if (!(Object.values(QUOTA_PARAMS) as string[]).includes(key) || !(v === null || (typeof v === 'number' && Number.isFinite(v)))) {
      throw invalidRecord(`${what}.values.${key} must be a managed quota key with a number or null`);
    }
  }
  return { entity: entity as QuotaEntity, values: values as QuotaValues };
}

export function invalidRecord(message: string): FirebreakError {
  return actionError('ACTION_REVERT_RECORD_INVALID', `revert record invalid: ${message}`);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
