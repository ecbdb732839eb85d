/**
 * `kafka.setClientQuota`: sets producer/consumer byte rates and/or the request percentage of one
 * quota entity (a client-id, a user, both, or a default entity). Only the named keys change;
 * other quota keys of the entity stay as they are. Byte rates are never set below the floor.
 */
import type { Action, Plan, SafetyLimits } from '../../types.ts';
import { clientQuotaRefusals } from './literal-limits.ts';
import type { QuotaEntity } from '../types.ts';
import { validateOnBroker } from './broker-validation.ts';
import { assertByteRateAllowed } from './limits.ts';
import { assertQuotasCanAct } from './quota-callback.ts';
import { relaxQuotaRecord } from './relax.ts';
import { sideBySide } from './side-by-side.ts';
import {
  BYTE_RATE_KEYS,
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
  type QuotaRecord,
} from './quota.ts';
import { QUOTA_ENTITY } from './schema.ts';

export interface SetClientQuotaParams {
  entity: QuotaEntity;
  producerByteRate?: number;
  consumerByteRate?: number;
  requestPercentage?: number;
}

export interface SetClientQuotaOutput {
  entity: string;
  /** Broker quota keys and the values now set. */
  set: Partial<Record<ManagedQuotaKey, number>>;
}

/** The quota keys and values the params ask for, checked against the byte-rate floor. Pure. */
export function clientQuotaTarget(params: SetClientQuotaParams, limits: SafetyLimits): Partial<Record<ManagedQuotaKey, number>> {
  const target: Partial<Record<ManagedQuotaKey, number>> = {};
  for (const name of QUOTA_PARAM_NAMES) {
    const value = params[name];
    if (value === undefined) continue;
    const key = QUOTA_PARAMS[name];
    if (BYTE_RATE_KEYS.has(key)) assertByteRateAllowed(quotaResource(params.entity), key, value, limits);
    target[key] = value;
  }
  return target;
}

export const setClientQuota: Action<SetClientQuotaParams, SetClientQuotaOutput> = {
  name: 'kafka.setClientQuota',
  description: 'Set byte-rate and/or request-percentage quotas of a client-id, a user, both, or a default entity.',
  mutating: true,
  readsBeforeClaim: true,
  defaultRevert: 'on-resolve',
  limitRefusals: clientQuotaRefusals,
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['entity'],
    properties: {
      entity: QUOTA_ENTITY,
      producerByteRate: { type: 'integer', minimum: 0, description: 'producer_byte_rate, bytes/s' },
      consumerByteRate: { type: 'integer', minimum: 0, description: 'consumer_byte_rate, bytes/s' },
      requestPercentage: { type: 'number', minimum: 1, description: 'request_percentage, % of one broker thread' },
    },
    anyOf: QUOTA_PARAM_NAMES.map((name) => ({ properties: { [name]: true }, required: [name] })),
  },

  async plan(ctx, params): Promise<Plan> {
    const target = clientQuotaTarget(params, ctx.limits);
    const resource = quotaResource(params.entity);
    // The callback check, the live values and the broker's validation, side by side (no side effects).
    const [, current] = await sideBySide([
      () => assertQuotasCanAct(ctx, resource),
      () => currentQuotaValues(ctx, params.entity, Object.keys(target) as ManagedQuotaKey[]),
      () => validateOnBroker(resource, () => ctx.kafka.alterClientQuotas([{ entity: params.entity, set: target }], { validateOnly: true })),
    ] as const);
    const changes = quotaChanges(params.entity, current, target);
    const label = entityLabel(params.entity);
    return {
      summary: changes.length === 0 ? `quota ${label} already as requested` : `set quota ${label}: ${describe(changes)}`,
      changes,
      touches: { topics: [], clients: [label] },
    };
  },

  async execute(ctx, params) {
    const target = clientQuotaTarget(params, ctx.limits);
    // Prior state first, including "no quota" (null), so revert can remove what was not there:
    // the engine's plan of this execution, or read now beside the callback check.
    const current = await priorQuotaValues(ctx, params.entity, target);
    const prior: QuotaRecord = { entity: params.entity, values: current };
    const applied: QuotaRecord = { entity: params.entity, values: target };
    const changes = quotaChanges(params.entity, current, target);
    // In the engine, the step's claim is durable from here on (it was committed beside any reads).
    await ctx.beforeChange?.();
    await writeQuotaValues(ctx, params.entity, target);
    ctx.logger.info({ resource: quotaResource(params.entity), changes }, 'quota set');
    return { output: { entity: entityLabel(params.entity), set: target }, prior, applied, changes };
  },

  relax: relaxQuotaRecord,

  revert(ctx, _params, record) {
    return revertQuotaRecord(ctx, record);
  },
};

function describe(changes: Array<{ key: string; from: unknown; to: unknown }>): string {
  return changes.map((c) => `${c.key} ${c.from ?? 'unset'} → ${c.to ?? 'unset'}`).join(', ');
}
