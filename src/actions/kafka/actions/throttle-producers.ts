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
 *   prior value (none: the key is removed) where firebreak's value is still in place.
 */
import { FirebreakError } from '../../../errors.ts';
import { throttleProducersRefusals } from './literal-limits.ts';
import type { Action, ActionContext, Change, Plan, RevertOutcome } from '../../types.ts';
import type { QuotaEntity } from '../types.ts';
import { validateOnBroker } from './broker-validation.ts';
import { verifyProducerQuota } from './quota-effect.ts';
import { TOPIC_LIST } from './schema.ts';
import { assertByteRateAllowed } from './limits.ts';
import { assertQuotasCanAct } from './quota-callback.ts';
import { relaxClientsRecord } from './relax.ts';
import { currentQuotaValues, entityLabel, invalidRecord, isObject, quotaChanges, quotaResource, revertQuotaRecord, writeQuotaValues, type QuotaRecord } from './quota.ts';

export interface ThrottleProducersParams {
  clientIds: string[];
  producerByteRate: number;
  /** The topics these producers write: where the effect of the throttle is measured (verify). */
  topics?: string[];
}

export interface ThrottleProducersOutput {
  producerByteRate: number;
  /** Clients throttled, with their own producer quota before (null: none). */
  throttled: Array<{ clientId: string; from: number | null; to: number }>;
  /** Clients whose quota was already at or below the rate. */
  alreadyLower: Array<{ clientId: string; quota: number }>;
}

/** What is recorded for revert: one quota record per throttled client. */
interface ThrottleRecord {
  clients: QuotaRecord[];
}

const KEY = 'producer_byte_rate';

function entity(clientId: string): QuotaEntity {
  return { 'client-id': clientId };
}

/** The Java producer's defaults: `buffer.memory` and `delivery.timeout.ms`. */
export const PRODUCER_BUFFER_BYTES = 33_554_432;
export const PRODUCER_DELIVERY_TIMEOUT_MS = 120_000;

/**
 * What a producer experiences under a throttle to `rate` B/s, for the plan: sends are slowed
 * (the broker delays its answers), the producer's buffer fills and `send()` blocks (up to
 * `max.block.ms`), and a batch that waits longer than `delivery.timeout.ms` in the buffer expires:
 * its records are dropped by the client, with an error to the application. A full default
 * buffer drains in `buffer.memory / rate` seconds; below `buffer.memory / delivery.timeout.ms`
 * that is longer than the delivery timeout, and records expire once the throttle has held about
 * `delivery.timeout.ms / (1 - rate / producer rate)`.
 */
export function producerRisk(rate: number): string {
  const drainS = PRODUCER_BUFFER_BYTES / rate;
  const safeRate = Math.ceil(PRODUCER_BUFFER_BYTES / (PRODUCER_DELIVERY_TIMEOUT_MS / 1000));
  const timeoutS = PRODUCER_DELIVERY_TIMEOUT_MS / 1000;
  return drainS < timeoutS
    ? `producers faster than ${rate} B/s are slowed and block in send() once their buffer is full; a full default 32 MiB buffer drains in ${drainS.toFixed(0)} s, within the default delivery.timeout.ms of ${timeoutS} s, so records are not expired by default-configured producers`
    : `RISK: producers faster than ${rate} B/s block in send(), and a full default 32 MiB buffer takes ${drainS.toFixed(0)} s to drain, longer than the default delivery.timeout.ms of ${timeoutS} s: records are dropped by the client once the throttle holds about ${timeoutS} s / (1 - ${rate} / producer rate); stay at or above ${safeRate} B/s or bound how long the throttle holds`;
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

async function select(ctx: ActionContext, params: ThrottleProducersParams): Promise<Selection> {
  if (params.clientIds.length === 0) {
    throw new FirebreakError('ACTION_NO_TARGET', 'no producer client-id to throttle: the runbook maps none to this topic (see its params)', {
      statusCode: 422,
      details: { action: 'kafka.throttleProducers' },
    });
  }
  for (const id of params.clientIds) assertByteRateAllowed(quotaResource(entity(id)), KEY, params.producerByteRate, ctx.limits);
  await assertQuotasCanAct(ctx, params.clientIds.map((id) => quotaResource(entity(id))).join(', '));
  const selection: Selection = {
    prior: { clients: [] },
    applied: { clients: [] },
    changes: [],
    output: { producerByteRate: params.producerByteRate, throttled: [], alreadyLower: [] },
  };
  for (const clientId of params.clientIds) {
    const current = (await currentQuotaValues(ctx, entity(clientId), [KEY]))[KEY] ?? null;
    if (!throttles(current, params.producerByteRate)) {
      selection.output.alreadyLower.push({ clientId, quota: current as number });
      continue;
    }
    selection.prior.clients.push({ entity: entity(clientId), values: { [KEY]: current } });
    selection.applied.clients.push({ entity: entity(clientId), values: { [KEY]: params.producerByteRate } });
    selection.changes.push(...quotaChanges(entity(clientId), { [KEY]: current }, { [KEY]: params.producerByteRate }));
    selection.output.throttled.push({ clientId, from: current, to: params.producerByteRate });
  }
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
      topics: { ...TOPIC_LIST, description: 'the topics these producers write, where the effect of the throttle is verified' },
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
        output.throttled.length === 0
          ? `no producer to throttle to ${params.producerByteRate} B/s${kept}`
          : `throttle producers ${output.throttled.map((c) => c.clientId).join(', ')} to ${params.producerByteRate} B/s${kept}. ${producerRisk(params.producerByteRate)}`,
      changes,
      touches: { topics: [], clients: output.throttled.map((c) => entityLabel(entity(c.clientId))) },
    };
  },

  async execute(ctx, params) {
    const { prior, applied, changes, output } = await select(ctx, params);
    const done: QuotaRecord[] = [];
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
    ctx.logger.info({ throttled: output.throttled.map((c) => c.clientId), rate: params.producerByteRate }, 'producers throttled');
    return { output, prior, applied, changes };
  },

  relax: relaxClientsRecord,

  async verify(ctx, params, result) {
    return verifyProducerQuota(ctx, { topics: params.topics ?? [], clients: result.output.throttled.map((c) => c.clientId), rate: params.producerByteRate });
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
