/**
 * `kafka.throttleProducers`: a producer byte-rate quota on several client-ids at once, the
 * containment of a consumer group that cannot keep up (slow the writers so the readers catch
 * up). The client-ids are the producers of the lagging topic as the runbook maps them
 * (`clientIds: "{{ params.producers | where: 'topic', labels.topic | map: 'clientId' }}"`).
 *
 * - a client whose own producer quota is already at or below the rate is left alone: a throttle
 *   never loosens a quota;
 * - the rate is never below the floor (max(1, `safety.minQuotaByteRate`));
 * - no client-id at all (the runbook maps none to the topic) is refused with
 *   `ACTION_NO_TARGET`, in plan too, so the engine blocks the step instead of calling the
 *   incident contained;
 * - only `producer_byte_rate` of each `client-id` entity changes; revert restores each client's
 *   prior value (none: the key is removed) where firebreak's value is still in place;
 * - producer-safe (producer-safety.ts, from the producers' `deliveryTimeout` and `bufferMemory`
 *   and the rate they write now): the rate is raised to the floor below which the brokers' first
 *   delay alone would outlast the delivery timeout; the plan says what the producers experience
 *   and when their clients would start dropping records; where the throttle could hold that
 *   long, execute returns a `holdLimit` and the engine releases the throttle before then;
 * - verify: after the quota window, the `topics` must grow no faster than the quotas allow
 *   (quota-effect.ts; Prometheus when configured, the brokers' own figures otherwise).
 */
import { actionError } from '../../errors.ts';
import { DURATION_PATTERN, formatDuration, parseDuration } from '../../../core/duration.ts';
import { throttleProducersRefusals } from './literal-limits.ts';
import type { Action, ActionContext, Change, Plan, RevertOutcome } from '../../types.ts';
import type { QuotaEntity } from '../types.ts';
import { validateOnBroker } from './broker-validation.ts';
import { judgeProducerSafety, roughly, PRODUCER_BUFFER_BYTES, PRODUCER_DELIVERY_TIMEOUT_MS, type ProducerSafety, type ProducerSettings } from './producer-safety.ts';
import { verifyProducerQuota } from './quota-effect.ts';
import { TOPIC_LIST } from './schema.ts';
import { assertByteRateAllowed } from './limits.ts';
import { assertQuotasCanAct } from './quota-callback.ts';
import { relaxClientsRecord } from './relax.ts';
import { currentQuotaValues, entityLabel, invalidRecord, isObject, quotaChanges, quotaResource, revertQuotaRecord, writeQuotaValues, type QuotaRecord } from './quota.ts';

export interface ThrottleProducersParams {
  clientIds: string[];
  producerByteRate: number;
  /** The topics these producers write: where the produce rate and the effect of the throttle are measured. */
  topics?: string[];
  /** The `cluster` label of this Kafka cluster's series in Prometheus (the alert's `labels.cluster`). */
  cluster?: string;
  /** The producers' `delivery.timeout.ms`, as a duration (default 120s, the Java client's). */
  deliveryTimeout?: string;
  /** The producers' `buffer.memory`, bytes (default 33554432, the Java client's). */
  bufferMemory?: number;
}

export interface ThrottleProducersOutput {
  /** The rate set: the one asked for, or the floor at the producers' observed rate when higher. */
  producerByteRate: number;
  /** Clients throttled, with their own producer quota before (null: none). */
  throttled: Array<{ clientId: string; from: number | null; to: number }>;
  /** Clients whose quota was already at or below the rate. */
  alreadyLower: Array<{ clientId: string; quota: number }>;
  /** The rate set (the one asked for, or the floor at the producers' rate), what the producers risk and how long the throttle may hold (producer-safety.ts); absent when nobody is throttled. */
  safety?: ProducerSafety;
}

/** What is recorded for revert: one quota record per throttled client. */
interface ThrottleRecord {
  clients: QuotaRecord[];
}

const KEY = 'producer_byte_rate';

function entity(clientId: string): QuotaEntity {
  return { 'client-id': clientId };
}

/** The producers' settings the params state (the Java client's defaults otherwise). */
export function producerSettings(params: Pick<ThrottleProducersParams, 'deliveryTimeout' | 'bufferMemory'>): ProducerSettings {
  const deliveryTimeoutMs = params.deliveryTimeout === undefined ? PRODUCER_DELIVERY_TIMEOUT_MS : parseDuration(params.deliveryTimeout);
  if (deliveryTimeoutMs === null || deliveryTimeoutMs < 1000) {
    throw actionError('ACTION_PARAMS_INVALID', `deliveryTimeout ${String(params.deliveryTimeout)} must be a duration of at least 1s, e.g. 120s`, {
      details: { errors: [{ path: '/deliveryTimeout', message: 'must be a duration of at least 1s' }] },
    });
  }
  return { deliveryTimeoutMs, bufferBytes: params.bufferMemory ?? PRODUCER_BUFFER_BYTES };
}

/** Pure: whether a client with this own producer quota gets the throttle. */
export function throttles(current: number | null, rate: number): boolean {
  return current === null || current > rate;
}

interface Selection {
  prior: ThrottleRecord;
  applied: ThrottleRecord;
  changes: Change[];
  output: ThrottleProducersOutput;
}

/**
 * Which clients get the throttle, at which rate: the rate asked for, raised to the floor at the
 * producers' observed rate (producer-safety.ts), which is measured before anything changes.
 */
async function select(ctx: ActionContext, params: ThrottleProducersParams): Promise<Selection> {
  if (params.clientIds.length === 0) {
    throw actionError('ACTION_NO_TARGET', 'no producer client-id to throttle: the runbook maps none to this topic (see its params)', {
      details: { action: 'kafka.throttleProducers' },
    });
  }
  const producers = producerSettings(params);
  for (const id of params.clientIds) assertByteRateAllowed(quotaResource(entity(id)), KEY, params.producerByteRate, ctx.limits);
  await assertQuotasCanAct(ctx, params.clientIds.map((id) => quotaResource(entity(id))).join(', '));
  const currents = new Map<string, number | null>();
  for (const clientId of params.clientIds) currents.set(clientId, (await currentQuotaValues(ctx, entity(clientId), [KEY]))[KEY] ?? null);
  const candidates = params.clientIds.filter((id) => throttles(currents.get(id) ?? null, params.producerByteRate));
  const safety =
    candidates.length === 0
      ? undefined
      : await judgeProducerSafety(ctx, {
          rate: params.producerByteRate,
          clients: candidates,
          topics: params.topics ?? [],
          ...(params.cluster === undefined ? {} : { cluster: params.cluster }),
          producers,
        });
  const rate = safety?.rate ?? params.producerByteRate;
  const selection: Selection = {
    prior: { clients: [] },
    applied: { clients: [] },
    changes: [],
    output: { producerByteRate: rate, throttled: [], alreadyLower: [] },
  };
  for (const clientId of params.clientIds) {
    const current = currents.get(clientId) ?? null;
    if (!throttles(current, rate)) {
      selection.output.alreadyLower.push({ clientId, quota: current as number });
      continue;
    }
    selection.prior.clients.push({ entity: entity(clientId), values: { [KEY]: current } });
    selection.applied.clients.push({ entity: entity(clientId), values: { [KEY]: rate } });
    selection.changes.push(...quotaChanges(entity(clientId), { [KEY]: current }, { [KEY]: rate }));
    selection.output.throttled.push({ clientId, from: current, to: rate });
  }
  if (safety !== undefined && selection.output.throttled.length > 0) selection.output.safety = safety;
  return selection;
}

/** Several per-client revert outcomes as one: a conflict anywhere wins, then any restore. */
export function mergeOutcomes(outcomes: readonly RevertOutcome[]): RevertOutcome {
  const changes = outcomes.flatMap((o) => (o.status === 'reverted' ? o.changes : o.status === 'conflict' ? (o.changes ?? []) : []));
  const conflicts = outcomes.flatMap((o) => (o.status === 'conflict' ? o.conflicts : []));
  if (conflicts.length > 0) return { status: 'conflict', conflicts, changes };
  if (changes.length > 0) return { status: 'reverted', changes };
  return { status: 'already-reverted' };
}

function parseRecord(value: unknown, what: string): ThrottleRecord {
  if (!isObject(value) || !Array.isArray(value['clients'])) throw invalidRecord(`${what} must be { clients: [...] }`);
  return { clients: value['clients'] as QuotaRecord[] };
}

export const throttleProducers: Action<ThrottleProducersParams, ThrottleProducersOutput> = {
  name: 'kafka.throttleProducers',
  description: 'Set a producer byte-rate quota on several client-ids (never loosening an existing quota, never below the floor); revert restores each.',
  mutating: true,
  defaultRevert: 'on-resolve',
  limitRefusals: throttleProducersRefusals,
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['clientIds', 'producerByteRate'],
    properties: {
      clientIds: { type: 'array', maxItems: 50, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 255 } },
      producerByteRate: { type: 'integer', minimum: 1, description: 'producer_byte_rate, bytes/s per client-id' },
      topics: { ...TOPIC_LIST, description: 'the topics these producers write: where their rate and the effect of the throttle are measured' },
      cluster: { type: 'string', maxLength: 255, description: 'the cluster label of this Kafka cluster\'s series in Prometheus' },
      deliveryTimeout: { type: 'string', pattern: DURATION_PATTERN, description: 'the producers\' delivery.timeout.ms as a duration (default 120s)' },
      bufferMemory: { type: 'integer', minimum: 1, description: 'the producers\' buffer.memory, bytes (default 33554432)' },
    },
  },

  async plan(ctx, params): Promise<Plan> {
    const { applied, changes, output } = await select(ctx, params);
    if (applied.clients.length > 0) {
      await validateOnBroker(applied.clients.map((c) => quotaResource(c.entity)).join(', '), () =>
        ctx.kafka.alterClientQuotas(applied.clients.map((c) => ({ entity: c.entity, set: c.values })), { validateOnly: true }),
      );
    }
    const kept = output.alreadyLower.length === 0 ? '' : `; already at or below: ${output.alreadyLower.map((c) => `${c.clientId} (${c.quota})`).join(', ')}`;
    return {
      summary:
        output.safety === undefined
          ? `no producer to throttle to ${output.producerByteRate} B/s${kept}`
          : `throttle producers ${output.throttled.map((c) => c.clientId).join(', ')} to ${output.producerByteRate} B/s${kept}. ${output.safety.summary}`,
      changes,
      touches: { topics: [], clients: output.throttled.map((c) => entityLabel(entity(c.clientId))) },
    };
  },

  async execute(ctx, params) {
    // Measured before the quota is set: the rate the producers want, not the throttled one.
    const { prior, applied, changes, output } = await select(ctx, params);
    const done: QuotaRecord[] = [];
    const appliedAt = ctx.clock.now();
    try {
      for (const record of applied.clients) {
        await writeQuotaValues(ctx, record.entity, record.values);
        done.push(record);
      }
    } catch (err) {
      // Leave nothing half-done: put back the clients already throttled, then report the failure.
      for (const record of done) {
        const before = prior.clients.find((p) => p.entity['client-id'] === record.entity['client-id']);
        if (before !== undefined) await writeQuotaValues(ctx, before.entity, before.values).catch((e: unknown) => ctx.logger.error({ err: e }, 'undoing a throttle failed'));
      }
      throw err;
    }
    const safety = output.safety;
    ctx.logger.info({ throttled: output.throttled.map((c) => c.clientId), rate: output.producerByteRate, holdLimitMs: safety?.holdLimitMs ?? null }, 'producers throttled');
    // The hold limit counts from the first quota written, not from when the engine records the step.
    const holdLimitMs = safety?.holdLimitMs ?? null;
    const holdLimit =
      holdLimitMs === null || safety === undefined
        ? {}
        : {
            holdLimit: {
              ms: Math.max(0, holdLimitMs - (ctx.clock.now() - appliedAt)),
              reason: `held longer, the throttled producers' clients would drop records (delivery.timeout.ms ${formatDuration(safety.deliveryTimeoutMs)}; from about ${roughly(safety.expiresAfterMs ?? 0)} ${safety.firstDelayMs !== null ? 'at the rate they write' : safety.observed.bytesPerSecond === null ? 'at an unknown rate' : 'should they speed up'})`,
            },
          };
    return { output, prior, applied, changes, ...holdLimit };
  },

  relax: relaxClientsRecord,

  async verify(ctx, params, result) {
    return verifyProducerQuota(ctx, {
      topics: params.topics ?? [],
      clients: result.output.throttled.map((c) => c.clientId),
      rate: result.output.producerByteRate,
      ...(params.cluster === undefined ? {} : { cluster: params.cluster }),
      ...(result.output.safety === undefined ? {} : { bytesPerSecondBefore: result.output.safety.observed.bytesPerSecond }),
    });
  },

  async revert(ctx, _params, record) {
    const prior = parseRecord(record.prior, 'prior');
    const applied = parseRecord(record.applied, 'applied');
    const outcomes: RevertOutcome[] = [];
    for (const a of applied.clients) {
      const p = prior.clients.find((c) => isObject(c) && isObject(c.entity) && isObject(a) && isObject(a.entity) && c.entity['client-id'] === a.entity['client-id']);
      if (p === undefined) throw invalidRecord('prior has no entry for a throttled client');
      outcomes.push(await revertQuotaRecord(ctx, { prior: p, applied: a }));
    }
    return mergeOutcomes(outcomes);
  },
};
