/**
 * What the guards need to know about a change, from its action's {@link Plan}: the topics and
 * quota entities it touches and the values with floors it would set.
 *
 * Actions enforce the hard limits themselves and refuse to plan a change below a floor or on a
 * protected topic (ACTION_BELOW_FLOOR, ACTION_PROTECTED_RESOURCE), a quota that a broker's custom
 * quota callback would ignore (ACTION_QUOTA_CALLBACK), or a change the broker rejects when asked
 * to validate it (ACTION_BROKER_REJECTED). Such a refusal still says exactly what was asked, so it
 * becomes a summary too, and the guards report the precise reason (`floor`,
 * `protected-resource`, `quota-callback`, `broker-rejected`) instead of `plan-unavailable`.
 */
import type { Plan } from '../actions/types.ts';
import type { FirebreakError } from '../errors.ts';
import type { PlanSummary } from './guards.ts';

/** Keys whose value is a byte rate with the quota floor. */
const BYTE_RATE_KEYS = new Set([
  'producer_byte_rate',
  'consumer_byte_rate',
  'leader.replication.throttled.rate',
  'follower.replication.throttled.rate',
  'replication.throttled.rate',
]);
/** Keys whose value is a retention time with the retention floor. */
const RETENTION_KEYS = new Set(['retention.ms', 'local.retention.ms']);
/** Retention values meaning "no limit" (or "same as retention.ms"): no floor applies. */
const UNLIMITED_RETENTION = new Set([-1, -2]);

function numberOf(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value.trim());
  return null;
}

function addValue(summary: PlanSummary, key: string, value: unknown): void {
  const n = numberOf(value);
  if (n === null) return;
  if (BYTE_RATE_KEYS.has(key)) summary.quotaByteRates.push(n);
  else if (RETENTION_KEYS.has(key) && !UNLIMITED_RETENTION.has(n)) summary.retentionMs.push(n);
}

/** The summary of a plan: what it touches and every floored value it would set. */
export function summarizePlan(plan: Plan): PlanSummary {
  const summary: PlanSummary = {
    topics: [...new Set(plan.touches.topics)],
    clients: [...new Set(plan.touches.clients)],
    quotaByteRates: [],
    retentionMs: [],
  };
  if (plan.dataLoss !== undefined && plan.dataLoss.length > 0) {
    summary.dataLoss = plan.dataLoss.map((d) => ({ topic: d.topic, group: d.group, partition: d.partition, unreadRecords: d.unreadRecords }));
  }
  for (const change of plan.changes) {
    addValue(summary, change.key, change.to);
    if (change.resource.startsWith('topic:')) {
      const topic = change.resource.slice('topic:'.length);
      if (!summary.topics.includes(topic)) summary.topics.push(topic);
    }
  }
  return summary;
}

/**
 * The summary an action's refusal to plan implies, or null when the error says nothing about
 * the change (the cluster is unreachable, the params are wrong...).
 */
export function summarizeRefusal(error: FirebreakError): PlanSummary | null {
  const details = error.details ?? {};
  const resource = typeof details.resource === 'string' ? details.resource : '';
  const summary: PlanSummary = { topics: [], clients: [], quotaByteRates: [], retentionMs: [] };
  if (resource.startsWith('topic:')) summary.topics.push(resource.slice('topic:'.length));
  for (const part of resource.split(', ')) {
    if (part.startsWith('quota:')) summary.clients.push(part.slice('quota:'.length));
  }
  if (error.code === 'ACTION_PROTECTED_RESOURCE') return summary.topics.length > 0 ? summary : null;
  if (error.code === 'ACTION_QUOTA_CALLBACK' && typeof details.quotaCallbackClass === 'string') {
    return { ...summary, quotaCallback: details.quotaCallbackClass };
  }
  if (error.code === 'ACTION_BROKER_REJECTED') {
    const code = typeof details.brokerCode === 'string' ? details.brokerCode : error.code;
    const message = typeof details.brokerMessage === 'string' ? details.brokerMessage : error.message;
    return { ...summary, brokerRejected: { code, message } };
  }
  if (error.code === 'ACTION_BELOW_FLOOR' && typeof details.key === 'string') {
    addValue(summary, details.key, details.value);
    return summary.quotaByteRates.length + summary.retentionMs.length > 0 ? summary : null;
  }
  return null;
}
