/**
 * `kafka.cutRetention`: a temporary retention cut on several topics, to free disk space fast.
 * The topics are candidates, usually the largest ones from `kafka.logDirUsage`
 * (`topics: "{{ steps.usage.output.topics | map: 'topic' }}"`); for each, in the order given:
 *
 * - protected topics (internal `__*`, `safety.protectedTopics`, the runbook's) are skipped;
 * - a topic whose retention is already at or below `retentionMs` is skipped: a cut never raises
 *   retention;
 * - the others get `retention.ms = retentionMs` (IncrementalAlterConfigs: no other key moves),
 *   at most `maxTopics` of them.
 *
 * `retentionMs` below the floor (max(60000, `safety.minRetentionMs`)) refuses the whole step.
 * The prior dynamic value of each changed topic is recorded; revert restores each topic
 * separately (a topic someone changed since is left alone and reported as a conflict).
 */
import type { Action, ActionContext, Plan } from '../../types.ts';
import { cutRetentionRefusals } from './literal-limits.ts';
import { applyConfigRecord, configChanges, currentConfigs, revertConfigRecord, validateConfigRecord, type ConfigRecord } from './config-record.ts';
import { assertTopicConfigAllowed, isProtectedTopic, retentionMsFloor } from './limits.ts';
import { readCurrent } from './live-state.ts';
import { relaxConfigRecord } from './relax.ts';
import { assertNoDataLoss, retentionReader } from './retention-facts.ts';
import { describeImpact, type RetentionImpact } from './retention-impact.ts';
import { TOPIC_LIST } from './schema.ts';

export interface CutRetentionParams {
  topics: string[];
  retentionMs: number;
  maxTopics: number;
}

export type SkipReason = 'protected' | 'already-lower' | 'over-limit';

export interface CutRetentionOutput {
  retentionMs: number;
  /** Topics cut, with their effective retention before (-1: unlimited). */
  changed: Array<{ topic: string; fromMs: number; toMs: number }>;
  skipped: Array<{ topic: string; reason: SkipReason; retentionMs: number | null }>;
  /** Per topic cut: bytes before, the estimate of what is freed and by when, and unread records deleted (acknowledged only). */
  impact: RetentionImpact[];
}

interface Selection {
  target: ConfigRecord;
  changed: CutRetentionOutput['changed'];
  skipped: CutRetentionOutput['skipped'];
}

const KEY = 'retention.ms';

/**
 * The effective retention.ms of a topic (its own, or the broker's default), -1 for unlimited, as
 * every live broker agrees (an all-brokers read, see live-state.ts): a single broker may not have
 * applied a recent change yet.
 */
async function effectiveRetentionMs(ctx: ActionContext, topic: string): Promise<number> {
  const entries = await readCurrent(`topic:${topic}`, () => ctx.kafka.describeConfigs({ type: 'topic', name: topic }, [KEY], { consistency: 'all-brokers' }));
  const value = entries.find((e) => e.name === KEY)?.value;
  const ms = value === null || value === undefined ? Number.NaN : Number(value);
  // Unreadable counts as unlimited: the cut is then decided by the floor alone.
  return Number.isFinite(ms) ? ms : -1;
}

/** Pure decision for one topic, given its effective retention. */
export function cutDecision(currentMs: number, retentionMs: number): 'cut' | 'already-lower' {
  return currentMs === -1 || currentMs > retentionMs ? 'cut' : 'already-lower';
}

/** Which topics to cut (reads their effective retention; changes nothing). */
async function select(ctx: ActionContext, params: CutRetentionParams): Promise<Selection> {
  // The floor is checked first, against the value itself: below it nothing is read or changed.
  assertTopicConfigAllowed(params.topics[0] ?? '(none)', KEY, String(params.retentionMs), ctx.limits);
  const changed: Selection['changed'] = [];
  const skipped: Selection['skipped'] = [];
  for (const topic of params.topics) {
    if (isProtectedTopic(topic, ctx.limits)) {
      skipped.push({ topic, reason: 'protected', retentionMs: null });
      continue;
    }
    const current = await effectiveRetentionMs(ctx, topic);
    if (cutDecision(current, params.retentionMs) === 'already-lower') {
      skipped.push({ topic, reason: 'already-lower', retentionMs: current });
    } else if (changed.length >= params.maxTopics) {
      skipped.push({ topic, reason: 'over-limit', retentionMs: current });
    } else {
      changed.push({ topic, fromMs: current, toMs: params.retentionMs });
    }
  }
  const target: ConfigRecord = { resources: changed.map((c) => ({ type: 'topic', name: c.topic, configs: { [KEY]: String(params.retentionMs) } })) };
  return { target, changed, skipped };
}

/** The impact of the cut on each topic that gets it. */
async function impactsOf(ctx: ActionContext, changed: CutRetentionOutput['changed'], retentionMs: number): Promise<RetentionImpact[]> {
  const reader = retentionReader(ctx);
  const impacts: RetentionImpact[] = [];
  for (const c of changed) impacts.push(await reader.impact(c.topic, { key: 'retention.ms', value: retentionMs }));
  return impacts;
}

export const cutRetention: Action<CutRetentionParams, CutRetentionOutput> = {
  name: 'kafka.cutRetention',
  description: 'Lower retention.ms on several topics (largest first), never raising it, never below the floor, skipping protected topics; revert restores each topic.',
  mutating: true,
  defaultRevert: 'on-resolve',
  limitRefusals: cutRetentionRefusals,
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['topics', 'retentionMs'],
    properties: {
      topics: { ...TOPIC_LIST, maxItems: 100 },
      retentionMs: { type: 'integer', minimum: 60_000 },
      maxTopics: { type: 'integer', minimum: 1, maximum: 50, default: 3 },
    },
  },

  async plan(ctx, params): Promise<Plan> {
    const { target, changed, skipped } = await select(ctx, params);
    const current = await currentConfigs(ctx, target);
    const changes = configChanges(current, target);
    await validateConfigRecord(ctx, target);
    const impact = await impactsOf(ctx, changed, params.retentionMs);
    const floor = retentionMsFloor(ctx.limits);
    const skippedText = skipped.length === 0 ? '' : `; skipped ${skipped.map((s) => `${s.topic} (${s.reason})`).join(', ')}`;
    return {
      summary:
        changed.length === 0
          ? `no topic to cut to retention.ms ${params.retentionMs}${skippedText}`
          : `cut retention.ms to ${params.retentionMs} (floor ${floor}) on ${changed.map((c) => `${c.topic} (was ${c.fromMs})`).join(', ')}${skippedText}. ${impact.map(describeImpact).join('. ')}`,
      changes,
      touches: { topics: changed.map((c) => c.topic), clients: [] },
      retention: impact,
      dataLoss: impact.flatMap((i) => i.dataLoss),
    };
  },

  async execute(ctx, params) {
    const { target, changed, skipped } = await select(ctx, params);
    const prior = await currentConfigs(ctx, target);
    const changes = configChanges(prior, target);
    // Judged again right before the change: a group may have fallen behind since the plan.
    const impact = await impactsOf(ctx, changed, params.retentionMs);
    assertNoDataLoss(ctx, impact);
    await applyConfigRecord(ctx, prior, target);
    ctx.logger.info({ topics: changed.map((c) => c.topic), retentionMs: params.retentionMs, skipped }, 'retention cut');
    return { output: { retentionMs: params.retentionMs, changed, skipped, impact }, prior, applied: target, changes };
  },

  relax: relaxConfigRecord,

  revert(ctx, _params, record) {
    return revertConfigRecord(ctx, record);
  },
};
