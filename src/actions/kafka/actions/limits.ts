/**
 * The hard limits every Kafka action enforces itself, in `plan`, `execute` and (for protected
 * resources) `revert`, so that no runbook, approval or CLI invocation can get past them:
 * - internal topics (`__*`) and topics matching `limits.protectedTopics` are never changed;
 * - a byte-rate quota or replication throttle is never below max(1, `limits.minQuotaByteRate`);
 * - `retention.ms` / `local.retention.ms` are never below max(60000, `limits.minRetentionMs`).
 * Configured limits can only raise the floors in HARD_LIMITS, never lower them.
 */
import { FirebreakError } from '../../../errors.ts';
import { HARD_LIMITS, type LimitRefusal, type SafetyLimits } from '../../types.ts';
import { actionError } from '../../errors.ts';

/** True for internal topics and for names matching one of the configured anchored patterns. */
export function isProtectedTopic(topic: string, limits: SafetyLimits): boolean {
  if (topic.startsWith('__')) return true;
  return limits.protectedTopics.some((source) => compilePattern(source).test(topic));
}

/** Throws `ACTION_PROTECTED_RESOURCE` (403) when `topic` may not be changed. */
export function assertTopicChangeable(topic: string, limits: SafetyLimits): void {
  if (!isProtectedTopic(topic, limits)) return;
  const why = topic.startsWith('__') ? 'it is an internal topic' : 'it matches a protected topic pattern';
  throw actionError('ACTION_PROTECTED_RESOURCE', `topic ${topic} is protected: ${why}; firebreak never changes it`, {
    details: { resource: `topic:${topic}` },
  });
}

/** The lowest byte rate (bytes/s) firebreak will set for a quota or a replication throttle. */
export function byteRateFloor(limits: SafetyLimits): number {
  return Math.max(HARD_LIMITS.minQuotaByteRate, finiteOr(limits.minQuotaByteRate, 0));
}

/** The lowest retention, ms, firebreak will set on a topic. */
export function retentionMsFloor(limits: SafetyLimits): number {
  return Math.max(HARD_LIMITS.minRetentionMs, finiteOr(limits.minRetentionMs, 0));
}

/** Throws `ACTION_BELOW_FLOOR` (422) when a byte rate is below {@link byteRateFloor}. */
export function assertByteRateAllowed(resource: string, key: string, value: number, limits: SafetyLimits): void {
  const floor = byteRateFloor(limits);
  if (value >= floor) return;
  throw actionError('ACTION_BELOW_FLOOR', `${key} ${value} for ${resource} is below the floor of ${floor} bytes/s`, {
    details: { resource, key, value, floor },
  });
}

/** Topic config keys that carry a retention time and the values that mean "no limit". */
const RETENTION_MS_KEYS: Record<string, number[]> = {
  'retention.ms': [-1],
  // -2 means "same as retention.ms" (tiered storage), which the retention.ms floor already covers.
  'local.retention.ms': [-1, -2],
};

/**
 * Checks one topic config value against the floors. Throws `ACTION_BELOW_FLOOR` (422) for a
 * retention below {@link retentionMsFloor} and `ACTION_PARAMS_INVALID` (400) for a retention
 * that is not an integer number of milliseconds (the floor could not be checked).
 */
export function assertTopicConfigAllowed(topic: string, key: string, value: string, limits: SafetyLimits): void {
  const unlimited = RETENTION_MS_KEYS[key];
  if (unlimited === undefined) return;
  if (!/^-?\d+$/.test(value.trim())) {
    throw actionError('ACTION_PARAMS_INVALID', `${key} for topic ${topic} must be an integer number of milliseconds, got "${value}"`, {
      details: { errors: [{ path: `/configs/${key}`, message: 'must be an integer number of milliseconds' }] },
    });
  }
  const ms = Number(value.trim());
  if (unlimited.includes(ms)) return;
  const floor = retentionMsFloor(limits);
  if (ms >= floor) return;
  throw actionError('ACTION_BELOW_FLOOR', `${key} ${ms} for topic ${topic} is below the floor of ${floor} ms`, {
    details: { resource: `topic:${topic}`, key, value: ms, floor },
  });
}

/** Codes of the refusals {@link refusalAt} reports; any other error is not a limit's. */
const LIMIT_CODES = new Set(['ACTION_BELOW_FLOOR', 'ACTION_PROTECTED_RESOURCE']);

/**
 * Runs one of the checks above and returns its refusal at `pointer`, or none. A value the check
 * cannot judge (ACTION_PARAMS_INVALID: a retention that is not a number) is not a limit's
 * refusal: the action says what is wrong with it when it plans.
 */
export function refusalAt(pointer: string, check: () => void): LimitRefusal[] {
  try {
    check();
    return [];
  } catch (err) {
    if (!(err instanceof FirebreakError)) throw err;
    return LIMIT_CODES.has(err.code) ? [{ pointer, code: err.code, message: err.message }] : [];
  }
}

/** A number literally present in parameters as written, or undefined. */
export function literalNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function compilePattern(source: string): RegExp {
  try {
    return new RegExp(`^(?:${source})$`);
  } catch (err) {
    throw actionError('ACTION_LIMITS_INVALID', `protected topic pattern /${source}/ is not a valid regular expression`, {
      cause: err,
      details: { pattern: source },
    });
  }
}

function finiteOr(value: number, fallback: number): number {
  return Number.isFinite(value) ? value : fallback;
}
