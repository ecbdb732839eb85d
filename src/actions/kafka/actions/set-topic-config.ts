/**
 * `kafka.setTopicConfig`: changes the named config keys of one topic with IncrementalAlterConfigs;
 * every other dynamic config of the topic stays as it is. Protected topics are refused, and
 * retention is never set below the floor.
 */
import type { Action, ActionContext, Plan } from '../../types.ts';
import { topicConfigRefusals } from './literal-limits.ts';
import { applyConfigRecord, configChanges, currentConfigs, revertConfigRecord, validateConfigRecord, type ConfigRecord } from './config-record.ts';
import { assertTopicChangeable, assertTopicConfigAllowed } from './limits.ts';
import { assertNoDataLoss, loweredRetention, retentionReader } from './retention-facts.ts';
import { describeImpact, type RetentionImpact } from './retention-impact.ts';
import { TOPIC_NAME } from './schema.ts';

export interface SetTopicConfigParams {
  topic: string;
  /** Config key → value; numbers and booleans are sent as their string form. */
  configs: Record<string, string | number | boolean>;
}

export interface SetTopicConfigOutput {
  topic: string;
  set: Record<string, string>;
  /** For a lowered retention.ms / retention.bytes: what it frees and deletes (retention-impact.ts). */
  impact: RetentionImpact[];
}

/** The impact of each retention key the change lowers (none: not a retention cut). */
async function impactsOf(ctx: ActionContext, target: ConfigRecord): Promise<RetentionImpact[]> {
  const r = target.resources[0];
  if (r === undefined) return [];
  const lowered = await loweredRetention(ctx, r.name, r.configs as Record<string, string>);
  const reader = retentionReader(ctx);
  const impacts: RetentionImpact[] = [];
  for (const retention of lowered) impacts.push(await reader.impact(r.name, retention));
  return impacts;
}

/** The target record after the limits are checked (throws before anything is read). */
export function topicConfigTarget(params: SetTopicConfigParams, limits: ActionContext['limits']): ConfigRecord {
  assertTopicChangeable(params.topic, limits);
  const configs = Object.fromEntries(Object.entries(params.configs).map(([k, v]) => [k, String(v)]));
  for (const [key, value] of Object.entries(configs)) assertTopicConfigAllowed(params.topic, key, value, limits);
  return { resources: [{ type: 'topic', name: params.topic, configs }] };
}

export const setTopicConfig: Action<SetTopicConfigParams, SetTopicConfigOutput> = {
  name: 'kafka.setTopicConfig',
  description: 'Change the named config keys of one topic (incrementally: other keys are left intact).',
  mutating: true,
  defaultRevert: 'on-resolve',
  limitRefusals: topicConfigRefusals,
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['topic', 'configs'],
    properties: {
      topic: TOPIC_NAME,
      configs: {
        type: 'object',
        minProperties: 1,
        maxProperties: 64,
        propertyNames: { pattern: '^[a-z][a-z0-9.-]*$' },
        additionalProperties: { type: ['string', 'number', 'boolean'] },
      },
    },
  },

  async plan(ctx, params): Promise<Plan> {
    const target = topicConfigTarget(params, ctx.limits);
    const current = await currentConfigs(ctx, target);
    // The broker checks key names and values without applying them: a dry run shows a typo.
    await validateConfigRecord(ctx, target);
    const changes = configChanges(current, target);
    const impact = await impactsOf(ctx, target);
    return {
      summary: changes.length === 0
        ? `topic ${params.topic} already has ${Object.keys(params.configs).join(', ')} as requested`
        : `set topic ${params.topic} ${changes.map((c) => `${c.key} ${String(c.from ?? 'unset')} → ${String(c.to)}`).join(', ')}${impact.map((i) => `. ${describeImpact(i)}`).join('')}`,
      changes,
      touches: { topics: [params.topic], clients: [] },
      ...(impact.length === 0 ? {} : { retention: impact, dataLoss: impact.flatMap((i) => i.dataLoss) }),
    };
  },

  async execute(ctx, params) {
    const target = topicConfigTarget(params, ctx.limits);
    const prior = await currentConfigs(ctx, target);
    const changes = configChanges(prior, target);
    const impact = await impactsOf(ctx, target);
    assertNoDataLoss(ctx, impact);
    await applyConfigRecord(ctx, prior, target);
    ctx.logger.info({ topic: params.topic, changes }, 'topic config set');
    const set = (target.resources[0]?.configs ?? {}) as Record<string, string>;
    return { output: { topic: params.topic, set, impact }, prior, applied: target, changes };
  },

  revert(ctx, _params, record) {
    return revertConfigRecord(ctx, record);
  },
};
