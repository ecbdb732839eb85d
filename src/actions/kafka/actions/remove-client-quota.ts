/**
 * `kafka.removeClientQuota`: removes quota keys from one entity (lifting a throttle someone set
 * by hand, for example). The removed values are the prior state, so revert puts them back.
 */
import type { Action, Plan } from '../../types.ts';
import type { QuotaEntity } from '../types.ts';
import {
  QUOTA_PARAMS,
  QUOTA_PARAM_NAMES,
  entityLabel,
  quotaChanges,
  quotaResource,
  currentQuotaValues,
  priorQuotaValues,
  revertQuotaRecord,
  writeQuotaValues,
  type ManagedQuotaKey,
  type QuotaParamName,
  type QuotaRecord,
} from './quota.ts';
import { validateOnBroker } from './broker-validation.ts';
import { assertQuotasCanAct } from './quota-callback.ts';
import { sideBySide } from './side-by-side.ts';
import { QUOTA_ENTITY } from './schema.ts';

export interface RemoveClientQuotaParams {
  entity: QuotaEntity;
  /** Which quotas to remove; all managed keys when omitted (schema default). */
  keys: QuotaParamName[];
}

export interface RemoveClientQuotaOutput {
  entity: string;
  /** The keys that had a value and were removed, with that value. */
  removed: Partial<Record<ManagedQuotaKey, number>>;
}

function quotaKeys(params: RemoveClientQuotaParams): ManagedQuotaKey[] {
  return params.keys.map((name) => QUOTA_PARAMS[name]);
}

function removal(keys: ManagedQuotaKey[]): Record<string, null> {
  return Object.fromEntries(keys.map((k) => [k, null]));
}

export const removeClientQuota: Action<RemoveClientQuotaParams, RemoveClientQuotaOutput> = {
  name: 'kafka.removeClientQuota',
  description: 'Remove quota keys from a client-id, a user, both, or a default entity; revert restores them.',
  mutating: true,
  readsBeforeClaim: true,
  defaultRevert: 'on-resolve',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['entity'],
    properties: {
      entity: QUOTA_ENTITY,
      keys: {
        type: 'array',
        items: { enum: QUOTA_PARAM_NAMES },
        minItems: 1,
        uniqueItems: true,
        default: QUOTA_PARAM_NAMES,
      },
    },
  },

  async plan(ctx, params): Promise<Plan> {
    const keys = quotaKeys(params);
    const resource = quotaResource(params.entity);
    // The callback check, the live values and the broker's validation, side by side (no side effects).
    const [, current] = await sideBySide([
      () => assertQuotasCanAct(ctx, resource),
      () => currentQuotaValues(ctx, params.entity, keys),
      () => validateOnBroker(resource, () => ctx.kafka.alterClientQuotas([{ entity: params.entity, set: removal(keys) }], { validateOnly: true })),
    ] as const);
    const changes = quotaChanges(params.entity, current, removal(keys));
    const label = entityLabel(params.entity);
    return {
      summary: changes.length === 0 ? `quota ${label} has none of ${keys.join(', ')}` : `remove quota ${label}: ${changes.map((c) => c.key).join(', ')}`,
      changes,
      touches: { topics: [], clients: [label] },
    };
  },

  async execute(ctx, params) {
    const keys = quotaKeys(params);
    // The engine's plan of this execution, or read now beside the callback check.
    const current = await priorQuotaValues(ctx, params.entity, removal(keys));
    const prior: QuotaRecord = { entity: params.entity, values: current };
    const applied: QuotaRecord = { entity: params.entity, values: removal(keys) };
    const changes = quotaChanges(params.entity, current, applied.values);
    // In the engine, the step's claim is durable from here on (it was committed beside any reads).
    await ctx.beforeChange?.();
    if (changes.length > 0) {
      await writeQuotaValues(ctx, params.entity, removal(changes.map((c) => c.key as ManagedQuotaKey)));
      ctx.logger.info({ resource: quotaResource(params.entity), changes }, 'quota removed');
    }
    const removed = Object.fromEntries(changes.map((c) => [c.key, c.from])) as RemoveClientQuotaOutput['removed'];
    return { output: { entity: entityLabel(params.entity), removed }, prior, applied, changes };
  },

  revert(ctx, _params, record) {
    return revertQuotaRecord(ctx, record);
  },
};
