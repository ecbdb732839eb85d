/**
 * Gradual release of the Kafka changes that limit something by a number: the next, looser level
 * of a quota record (client quotas, producer throttles) or a config record (retention, the
 * replication throttle rates), as the actions' optional `relax` (src/actions/types.ts). Pure.
 *
 * Each numeric value is multiplied by `factor` (a quota of 1 MiB/s becomes 2 MiB/s with 2),
 * and stops at its prior value once it would reach it. A key without a finite prior value (no
 * quota before, retention unlimited or left to the broker default) keeps growing: the engine
 * bounds the number of levels (`release.steps`) and then restores the prior state itself.
 * Values that are not numbers (the throttled replica lists) stay as they are until that final
 * revert. A record whose every numeric value would reach its prior value has no next level
 * (null): the next step is the revert.
 */
import { parseConfigRecord, type ConfigRecord } from './config-record.ts';
import { invalidRecord, isObject, parseQuotaRecord, type QuotaRecord, type QuotaValues } from './quota.ts';

/** Config keys whose value is a number that a gradual release may raise. */
const RELAXABLE_CONFIG_KEYS = new Set(['retention.ms', 'retention.bytes', 'leader.replication.throttled.rate', 'follower.replication.throttled.rate']);

/** The next value of one number, and whether it reached the prior one. */
function step(current: number, prior: number | null, factor: number, integer: boolean): { value: number; reached: boolean } {
  const raw = current * factor;
  const value = integer ? Math.ceil(raw) : Math.round(raw * 100) / 100;
  if (prior !== null && prior >= 0 && value >= prior) return { value: prior, reached: true };
  return { value, reached: false };
}

/** The next level of a quota record, or null when it would be the prior record. */
export function relaxQuotaRecord(record: { prior: unknown; applied: unknown }, current: unknown, factor: number): QuotaRecord | null {
  const prior = parseQuotaRecord(record.prior, 'prior');
  const now = parseQuotaRecord(current, 'level');
  const values: QuotaValues = {};
  let open = false;
  for (const [key, value] of Object.entries(now.values) as Array<[keyof QuotaValues, number | null]>) {
    if (value === null) {
      values[key] = prior.values[key] ?? null;
      continue;
    }
    const next = step(value, prior.values[key] ?? null, factor, key !== 'request_percentage');
    values[key] = next.value;
    if (!next.reached) open = true;
  }
  return open ? { entity: now.entity, values } : null;
}

/** The next level of a `{ clients: [quota record...] }` throttle record, or null. */
export function relaxClientsRecord(record: { prior: unknown; applied: unknown }, current: unknown, factor: number): { clients: QuotaRecord[] } | null {
  {
    if (!isObject(record.prior) || !Array.isArray(record.prior['clients']) || !isObject(current) || !Array.isArray(current['clients'])) {
      throw invalidRecord('prior and level must be { clients: [...] }');
    }
    const priors = record.prior['clients'] as unknown[];
    let open = false;
    const clients = (current['clients'] as unknown[]).map((c) => {
      const level = parseQuotaRecord(c, 'level');
      const prior = priors.map((p) => parseQuotaRecord(p, 'prior')).find((p) => p.entity['client-id'] === level.entity['client-id']);
      if (prior === undefined) throw invalidRecord('prior has no entry for a throttled client');
      const next = relaxQuotaRecord({ prior, applied: level }, level, factor);
      if (next !== null) open = true;
      return next ?? prior;
    });
    return open ? { clients } : null;
  }
}

/** The next level of a config record, or null when every number would reach its prior value. */
export function relaxConfigRecord(record: { prior: unknown; applied: unknown }, current: unknown, factor: number): ConfigRecord | null {
  const prior = parseConfigRecord(record.prior, 'prior');
  const now = parseConfigRecord(current, 'level');
  let open = false;
  let numeric = false;
  const resources = now.resources.map((r) => {
    const p = prior.resources.find((x) => x.type === r.type && x.name === r.name);
    const configs: Record<string, string | null> = {};
    for (const [key, value] of Object.entries(r.configs)) {
      const n = value === null ? Number.NaN : Number(value);
      if (!RELAXABLE_CONFIG_KEYS.has(key) || !Number.isFinite(n) || n < 0) {
        configs[key] = value;
        continue;
      }
      numeric = true;
      const before = p?.configs[key] ?? null;
      const priorNumber = before === null || !Number.isFinite(Number(before)) ? null : Number(before);
      const next = step(n, priorNumber, factor, true);
      configs[key] = next.reached ? before : String(next.value);
      if (!next.reached) open = true;
    }
    return { type: r.type, name: r.name, configs };
  });
  return numeric && open ? { resources } : null;
}
