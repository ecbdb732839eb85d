/**
 * Each Kafka action's {@link Action.limitRefusals}: the hard limits of limits.ts applied to the
 * values present in parameters as written in a runbook, so `firebreak validate` can say that a
 * step will be refused every time it runs (a literal `producerByteRate: 0`, a retention under the
 * floor, `__consumer_offsets`). Values a template fills in later are absent and not checked; the
 * action checks them when it plans.
 */
import type { LimitRefusal, SafetyLimits } from '../../types.ts';
import { assertByteRateAllowed, assertTopicChangeable, assertTopicConfigAllowed, literalNumber, refusalAt } from './limits.ts';
import { BYTE_RATE_KEYS, QUOTA_PARAMS, QUOTA_PARAM_NAMES } from './quota.ts';

type Params = Record<string, unknown>;

/** The entity as written, for messages (a templated name shows as `?`). */
function entityText(entity: unknown): string {
  if (typeof entity !== 'object' || entity === null) return 'quota:?';
  const parts = ['user', 'client-id'].filter((t) => t in entity).map((t) => `${t}=${String((entity as Params)[t] ?? '?')}`);
  return `quota:${parts.length === 0 ? '?' : parts.join(',')}`;
}

function topicRefusal(pointer: string, topic: unknown, limits: SafetyLimits): LimitRefusal[] {
  return typeof topic === 'string' ? refusalAt(pointer, () => assertTopicChangeable(topic, limits)) : [];
}

function rateRefusal(pointer: string, resource: string, key: string, value: unknown, limits: SafetyLimits): LimitRefusal[] {
  const rate = literalNumber(value);
  return rate === undefined ? [] : refusalAt(pointer, () => assertByteRateAllowed(resource, key, rate, limits));
}

/** kafka.setClientQuota: byte rates below the floor. */
export function clientQuotaRefusals(params: Params, limits: SafetyLimits): LimitRefusal[] {
  return QUOTA_PARAM_NAMES.filter((name) => BYTE_RATE_KEYS.has(QUOTA_PARAMS[name])).flatMap((name) =>
    rateRefusal(`/${name}`, entityText(params.entity), QUOTA_PARAMS[name], params[name], limits),
  );
}

/** kafka.throttleProducers: the producer byte rate below the floor. */
export function throttleProducersRefusals(params: Params, limits: SafetyLimits): LimitRefusal[] {
  return rateRefusal('/producerByteRate', 'quota:client-id=<each>', 'producer_byte_rate', params.producerByteRate, limits);
}

/** kafka.setReplicationThrottle: protected topics, then a rate below the floor. */
export function replicationThrottleRefusals(params: Params, limits: SafetyLimits): LimitRefusal[] {
  const topics = Array.isArray(params.topics) ? params.topics : [];
  return [
    ...topics.flatMap((t: unknown, i) =>
      typeof t === 'object' && t !== null ? topicRefusal(`/topics/${i}/name`, (t as Params).name, limits) : topicRefusal(`/topics/${i}`, t, limits),
    ),
    ...rateRefusal('/rateBytesPerSecond', 'brokers', 'replication.throttled.rate', params.rateBytesPerSecond, limits),
  ];
}

/** kafka.setTopicConfig: a protected topic; a retention below the floor. */
export function topicConfigRefusals(params: Params, limits: SafetyLimits): LimitRefusal[] {
  const protectedTopic = topicRefusal('/topic', params.topic, limits);
  // A protected topic is refused whatever the values: say only that.
  if (protectedTopic.length > 0) return protectedTopic;
  const configs = typeof params.configs === 'object' && params.configs !== null ? (params.configs as Params) : {};
  const topic = typeof params.topic === 'string' ? params.topic : '?';
  return Object.entries(configs).flatMap(([key, value]) =>
    typeof value === 'number' || typeof value === 'string'
      ? refusalAt(`/configs/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`, () => assertTopicConfigAllowed(topic, key, String(value), limits))
      : [],
  );
}

/** kafka.cutRetention: a retention below the floor (protected topics are skipped, not refused). */
export function cutRetentionRefusals(params: Params, limits: SafetyLimits): LimitRefusal[] {
  const ms = literalNumber(params.retentionMs);
  return ms === undefined ? [] : refusalAt('/retentionMs', () => assertTopicConfigAllowed('<each>', 'retention.ms', String(ms), limits));
}
