/**
 * Dynamic config helpers shared by `kafka.setTopicConfig` and `kafka.setReplicationThrottle`:
 * reading the dynamic value of keys on a topic or broker, applying a set of key changes with
 * IncrementalAlterConfigs (never the legacy AlterConfigs, which drops every key not named), and
 * reverting a {@link ConfigRecord}.
 *
 * A config record lists resources and, per key, the dynamic value set on that resource; `null`
 * means "not set on this resource" (the topic/broker falls back to its default), so restoring it
 * deletes the key instead of writing a value.
 */
import { toFirebreakError } from '../../../errors.ts';
import type { ActionContext, Change, RevertOutcome } from '../../types.ts';
import type { ConfigEntry, ConfigOp, ConfigResource, ConfigResourceType, KafkaAdmin } from '../types.ts';
import { validateOnBroker } from './broker-validation.ts';
import { assertTopicChangeable } from './limits.ts';
import { invalidRecord, isObject } from './quota.ts';
import { decideRevert, revertOutcome } from './revert-decision.ts';
import { awaitVisible, readCurrent } from './live-state.ts';
import { actionError } from '../../errors.ts';

export interface ConfigRecordEntry {
  type: ConfigResourceType;
  name: string;
  configs: Record<string, string | null>;
}

export interface ConfigRecord {
  resources: ConfigRecordEntry[];
}

/** `topic:orders`, `broker:1`; the cluster-wide broker default shows as `broker:<default>`. */
export function resourceLabel(resource: ConfigResource): string {
  return `${resource.type}:${resource.name === '' ? '<default>' : resource.name}`;
}

/**
 * The value set dynamically on the resource itself, or null when the key falls back to a
 * default (broker default, static config, or Kafka's built-in default) or is unknown.
 */
export function dynamicValue(entries: readonly ConfigEntry[], key: string): string | null {
  const entry = entries.find((e) => e.name === key);
  return entry !== undefined && entry.isDynamic ? entry.value : null;
}

/**
 * Reads the dynamic values of `keys` on every resource of `target`, in the same shape, each as
 * every live broker agrees (an all-brokers read; a broker's own configs from that broker), the
 * resources in parallel.
 */
export async function readDynamicConfigs(kafka: KafkaAdmin, target: ConfigRecord): Promise<ConfigRecord> {
  const resources = await Promise.all(
    target.resources.map(async (r): Promise<ConfigRecordEntry> => {
      const keys = Object.keys(r.configs);
      const entries = await kafka.describeConfigs({ type: r.type, name: r.name }, keys, { consistency: 'all-brokers' });
      for (const e of entries) {
        if (keys.includes(e.name) && e.isDynamic && e.isSensitive) {
          throw actionError('ACTION_PRIOR_UNREADABLE', `${e.name} on ${resourceLabel(r)} is sensitive; its current value cannot be read to restore it later`, {
            details: { resource: resourceLabel(r), key: e.name },
          });
        }
      }
      return { type: r.type, name: r.name, configs: Object.fromEntries(keys.map((k) => [k, dynamicValue(entries, k)])) };
    }),
  );
  return { resources };
}

/** The changes from `current` to `target` (same resources and keys; equal values left out). */
export function configChanges(current: ConfigRecord, target: ConfigRecord): Change[] {
  const changes: Change[] = [];
  for (const t of target.resources) {
    const c = current.resources.find((r) => r.type === t.type && r.name === t.name);
    for (const [key, to] of Object.entries(t.configs)) {
      const from = c?.configs[key] ?? null;
      if (from !== to) changes.push({ resource: resourceLabel(t), key, from, to });
    }
  }
  return changes;
}

/** IncrementalAlterConfigs ops that make the named keys equal `configs` (null deletes). */
export function configOps(configs: Record<string, string | null>): ConfigOp[] {
  return Object.entries(configs).map(([name, value]) => (value === null ? { name, op: 'delete' } : { name, op: 'set', value }));
}

/** The current dynamic values of every key of `target`, to decide on (see live-state.ts). */
export function currentConfigs(ctx: ActionContext, target: ConfigRecord): Promise<ConfigRecord> {
  return readCurrent(target.resources.map(resourceLabel).join(', '), () => readDynamicConfigs(ctx.kafka, target));
}

/** True when `live` has exactly the values of `target` for every key `target` names. */
export function configsMatch(live: ConfigRecord, target: ConfigRecord): boolean {
  return target.resources.every((t) => {
    const l = live.resources.find((r) => r.type === t.type && r.name === t.name);
    return Object.entries(t.configs).every(([k, v]) => (l?.configs[k] ?? null) === v);
  });
}

/**
 * Asks the brokers to validate `target` without applying it (IncrementalAlterConfigs with
 * validateOnly, resource by resource): `ACTION_BROKER_REJECTED` with the broker's message when one
 * would be refused (see broker-validation.ts).
 */
export async function validateConfigRecord(ctx: ActionContext, target: ConfigRecord): Promise<void> {
  for (const r of target.resources) {
    const ops = configOps(r.configs);
    if (ops.length === 0) continue;
    await validateOnBroker(resourceLabel(r), () => ctx.kafka.incrementalAlterConfigs({ type: r.type, name: r.name }, ops, { validateOnly: true }));
  }
}

/** Writes each resource's keys (IncrementalAlterConfigs), then waits until every broker shows them all. */
export async function writeConfigs(ctx: ActionContext, record: ConfigRecord): Promise<void> {
  for (const r of record.resources) {
    await ctx.kafka.incrementalAlterConfigs({ type: r.type, name: r.name }, configOps(r.configs));
  }
  await awaitVisible(ctx, record.resources.map(resourceLabel).join(', '), () => readDynamicConfigs(ctx.kafka, record), (live) => configsMatch(live, record));
}

/**
 * Applies `target` resource by resource, then waits until every broker shows it. If one resource fails
 * after others changed, the changed ones are put back to `prior` before the error is rethrown,
 * so a failed execute leaves the cluster as it found it; if that rollback fails too,
 * `ACTION_ROLLBACK_FAILED` carries both records so an operator can finish by hand.
 */
export async function applyConfigRecord(ctx: ActionContext, prior: ConfigRecord, target: ConfigRecord): Promise<void> {
  const done: ConfigRecordEntry[] = [];
  for (const r of target.resources) {
    try {
      await ctx.kafka.incrementalAlterConfigs({ type: r.type, name: r.name }, configOps(r.configs));
      done.push(r);
    } catch (err) {
      if (done.length === 0) throw err;
      try {
        const before = done.flatMap((d) => prior.resources.filter((p) => p.type === d.type && p.name === d.name));
        await writeConfigs(ctx, { resources: before });
      } catch (rollbackErr) {
        throw actionError('ACTION_ROLLBACK_FAILED', `changing ${resourceLabel(r)} failed and undoing the resources already changed failed too`, {
          cause: rollbackErr,
          details: { failed: resourceLabel(r), error: toFirebreakError(err).toJSON(), changed: done.map(resourceLabel), prior, applied: target },
        });
      }
      ctx.logger.warn({ failed: resourceLabel(r), rolledBack: done.map(resourceLabel) }, 'config change failed; rolled back');
      throw err;
    }
  }
  await awaitVisible(ctx, target.resources.map(resourceLabel).join(', '), () => readDynamicConfigs(ctx.kafka, target), (live) => configsMatch(live, target));
}

/**
 * Restores `prior` where the live value still equals `applied` (see revert-decision.ts). Topics
 * are checked against the protected list first: a hand-written record cannot reach one.
 */
export async function revertConfigRecord(ctx: ActionContext, record: { prior: unknown; applied: unknown }): Promise<RevertOutcome> {
  const prior = parseConfigRecord(record.prior, 'prior');
  const applied = parseConfigRecord(record.applied, 'applied');
  for (const a of applied.resources) {
    const p = prior.resources.find((r) => r.type === a.type && r.name === a.name);
    if (p === undefined || Object.keys(a.configs).some((k) => !(k in p.configs))) {
      throw invalidRecord(`prior has no value for every key applied to ${resourceLabel(a)}`);
    }
    if (a.type === 'topic') assertTopicChangeable(a.name, ctx.limits);
  }
  const live = await currentConfigs(ctx, applied);
  const items = applied.resources.flatMap((a) => {
    const p = prior.resources.find((r) => r.type === a.type && r.name === a.name);
    const l = live.resources.find((r) => r.type === a.type && r.name === a.name);
    return Object.entries(a.configs).map(([key, value]) => ({
      resource: resourceLabel(a),
      key,
      prior: p?.configs[key] ?? null,
      applied: value,
      live: l?.configs[key] ?? null,
    }));
  });
  const decision = decideRevert(items);
  const restore = applied.resources
    .map((a) => ({
      type: a.type,
      name: a.name,
      configs: Object.fromEntries(decision.restore.filter((c) => c.resource === resourceLabel(a)).map((c) => [c.key, c.to])),
    }))
    .filter((r) => Object.keys(r.configs).length > 0);
  if (restore.length > 0) {
    await writeConfigs(ctx, { resources: restore });
    ctx.logger.info({ restored: decision.restore.map((c) => `${c.resource} ${c.key}`) }, 'config reverted');
  }
  return revertOutcome(decision);
}

/** Checks the shape of a stored (or hand-written) config record; `ACTION_REVERT_RECORD_INVALID`. */
export function parseConfigRecord(value: unknown, what: string): ConfigRecord {
  if (!isObject(value) || !Array.isArray(value['resources'])) throw invalidRecord(`${what} must be { resources: [...] }`);
  const resources = value['resources'].map((r: unknown, i: number) => {
    if (!isObject(r) || (r['type'] !== 'topic' && r['type'] !== 'broker') || typeof r['name'] !== 'string' || !isObject(r['configs'])) {
      throw invalidRecord(`${what}.resources[${i}] must be { type: topic|broker, name, configs }`);
    }
    for (const [key, v] of Object.entries(r['configs'])) {
      if (v !== null && typeof v !== 'string') throw invalidRecord(`${what}.resources[${i}].configs.${key} must be a string or null`);
    }
    return { type: r['type'] as ConfigResourceType, name: r['name'], configs: r['configs'] as Record<string, string | null> };
  });
  return { resources };
}
