/**
 * `kafka.setReplicationThrottle`: caps replication traffic while a cluster catches up or a
 * reassignment runs. Sets `leader.replication.throttled.rate` and
 * `follower.replication.throttled.rate` on each broker (all by default) and, for the named
 * topics, which replicas the throttle applies to (`*` or `partition:broker` lists). Without
 * topics, only the rates change (they act on replicas other tools marked as throttled).
 */
import { replicationThrottleRefusals } from './literal-limits.ts';
import type { Action, ActionContext, Plan } from '../../types.ts';
import { applyConfigRecord, configChanges, currentConfigs, revertConfigRecord, validateConfigRecord, type ConfigRecord } from './config-record.ts';
import { assertByteRateAllowed, assertTopicChangeable } from './limits.ts';
import { relaxConfigRecord } from './relax.ts';
import { BROKER_ID, TOPIC_NAME } from './schema.ts';
import { actionError } from '../../errors.ts';

/** `*` for every replica of the topic, or explicit `partition:broker` pairs. */
export type ThrottledReplicas = '*' | string[];

export type ThrottleTopic = string | { name: string; leader?: ThrottledReplicas; follower?: ThrottledReplicas };

export interface SetReplicationThrottleParams {
  rateBytesPerSecond: number;
  brokers?: number[];
  topics?: ThrottleTopic[];
}

export interface SetReplicationThrottleOutput {
  rateBytesPerSecond: number;
  brokers: number[];
  topics: string[];
}

export const RATE_KEYS = ['leader.replication.throttled.rate', 'follower.replication.throttled.rate'] as const;
export const LEADER_REPLICAS = 'leader.replication.throttled.replicas';
export const FOLLOWER_REPLICAS = 'follower.replication.throttled.replicas';

const REPLICAS = {
  anyOf: [
    { const: '*' },
    { type: 'array', items: { type: 'string', pattern: '^\\d+:\\d+$' }, minItems: 1, uniqueItems: true },
  ],
};

/**
 * The config record the params ask for on `brokerIds` (the brokers to throttle, already resolved
 * against the cluster). Pure; throws for protected topics and rates below the floor.
 */
export function throttleTarget(params: SetReplicationThrottleParams, brokerIds: number[], limits: ActionContext['limits']): ConfigRecord {
  const rate = String(params.rateBytesPerSecond);
  // Protected topics first: a protected topic is refused whatever the rate, and says so.
  for (const t of params.topics ?? []) assertTopicChangeable(typeof t === 'string' ? t : t.name, limits);
  assertByteRateAllowed('brokers', 'replication.throttled.rate', params.rateBytesPerSecond, limits);
  const resources: ConfigRecord['resources'] = brokerIds.map((id) => ({
    type: 'broker',
    name: String(id),
    configs: Object.fromEntries(RATE_KEYS.map((k) => [k, rate])),
  }));
  for (const t of params.topics ?? []) {
    const spec = typeof t === 'string' ? { name: t, leader: '*' as const, follower: '*' as const } : t;
    const configs: Record<string, string> = {};
    if (spec.leader !== undefined) configs[LEADER_REPLICAS] = replicaList(spec.leader);
    if (spec.follower !== undefined) configs[FOLLOWER_REPLICAS] = replicaList(spec.follower);
    resources.push({ type: 'topic', name: spec.name, configs });
  }
  return { resources };
}

function replicaList(replicas: ThrottledReplicas): string {
  return replicas === '*' ? '*' : replicas.join(',');
}

/** The brokers to throttle: the named ones (each must exist) or every broker of the cluster. */
async function brokerIds(ctx: ActionContext, params: SetReplicationThrottleParams): Promise<number[]> {
  const cluster = await ctx.kafka.describeCluster();
  const known = cluster.brokers.map((b) => b.nodeId).sort((a, b) => a - b);
  if (params.brokers === undefined) return known;
  const errors = params.brokers.flatMap((id, i) => (known.includes(id) ? [] : [{ path: `/brokers/${i}`, message: `broker ${id} is not in the cluster (brokers: ${known.join(', ')})` }]));
  if (errors.length > 0) {
    throw actionError('ACTION_PARAMS_INVALID', `invalid params for kafka.setReplicationThrottle: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, {
      details: { action: 'kafka.setReplicationThrottle', errors },
    });
  }
  return params.brokers;
}

function topicNames(params: SetReplicationThrottleParams): string[] {
  return (params.topics ?? []).map((t) => (typeof t === 'string' ? t : t.name));
}

export const setReplicationThrottle: Action<SetReplicationThrottleParams, SetReplicationThrottleOutput> = {
  name: 'kafka.setReplicationThrottle',
  description: 'Throttle replication traffic per broker, optionally marking which replicas of which topics it applies to.',
  mutating: true,
  defaultRevert: 'on-resolve',
  limitRefusals: replicationThrottleRefusals,
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['rateBytesPerSecond'],
    properties: {
      rateBytesPerSecond: { type: 'integer', minimum: 0 },
      brokers: { type: 'array', items: BROKER_ID, minItems: 1, uniqueItems: true },
      topics: {
        type: 'array',
        minItems: 1,
        items: {
          anyOf: [
            TOPIC_NAME,
            {
              type: 'object',
              additionalProperties: false,
              required: ['name'],
              minProperties: 2,
              properties: { name: TOPIC_NAME, leader: REPLICAS, follower: REPLICAS },
            },
          ],
        },
      },
    },
  },

  async plan(ctx, params): Promise<Plan> {
    throttleTarget(params, [], ctx.limits); // refuse protected topics / low rates before any read
    const target = throttleTarget(params, await brokerIds(ctx, params), ctx.limits);
    const current = await currentConfigs(ctx, target);
    const changes = configChanges(current, target);
    await validateConfigRecord(ctx, target);
    return {
      summary: `throttle replication to ${params.rateBytesPerSecond} B/s on ${target.resources.filter((r) => r.type === 'broker').length} broker(s)` +
        (topicNames(params).length > 0 ? ` for ${topicNames(params).join(', ')}` : ''),
      changes,
      touches: { topics: topicNames(params), clients: [] },
    };
  },

  async execute(ctx, params) {
    throttleTarget(params, [], ctx.limits);
    const brokers = await brokerIds(ctx, params);
    const target = throttleTarget(params, brokers, ctx.limits);
    const prior = await currentConfigs(ctx, target);
    const changes = configChanges(prior, target);
    await applyConfigRecord(ctx, prior, target);
    ctx.logger.info({ changes: changes.length, brokers, topics: topicNames(params) }, 'replication throttle set');
    return { output: { rateBytesPerSecond: params.rateBytesPerSecond, brokers, topics: topicNames(params) }, prior, applied: target, changes };
  },

  relax: relaxConfigRecord,

  revert(ctx, _params, record) {
    return revertConfigRecord(ctx, record);
  },
};
