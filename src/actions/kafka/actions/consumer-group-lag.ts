/**
 * `kafka.consumerGroupLag`: a consumer group's state and lag per partition, per topic and in
 * total (committed offset against log end offset), and what kind of lag it is: the offsets are
 * read `samples` times over `sample`, and each topic is classified (lag-classes.ts) with the
 * numbers behind the class. A group that does not exist is an error (`ACTION_GROUP_NOT_FOUND`),
 * never "lag 0".
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DURATION_PATTERN, formatDuration, parseDuration } from '../../../core/duration.ts';
import type { Action, ActionContext } from '../../types.ts';
import type { GroupDescription, GroupPartitionLag } from '../types.ts';
import { classifyTopic, groupClass, type LagClass, type LagSample, type TopicLagJudgement } from './lag-classes.ts';
import { readOnlyPlan } from './read-only.ts';
import { TOPIC_LIST } from './schema.ts';
import { actionError } from '../../errors.ts';

export interface ConsumerGroupLagParams {
  group: string;
  topics?: string[];
  /** How long to watch the offsets move before classifying (default {@link DEFAULT_SAMPLE}). */
  sample?: string;
  /** Reads over the sample, first and last included (default {@link DEFAULT_SAMPLES}). */
  samples?: number;
}

export const DEFAULT_SAMPLE = '10s';
export const DEFAULT_SAMPLES = 3;

/** Bounds of `sample`: long enough to see a commit, short enough for an identification step. */
export const MIN_SAMPLE_MS = 1_000;
export const MAX_SAMPLE_MS = 300_000;

export interface ConsumerGroupLagOutput {
  group: string;
  /** Group coordinator state: Stable, Empty, PreparingRebalance, CompletingRebalance, Dead. */
  state: string;
  members: number;
  totalLag: number;
  /** Per topic, largest lag first, with the class of its lag and the numbers behind it. */
  topics: Array<{ topic: string; lag: number; partitions: number } & Partial<Omit<TopicLagJudgement, 'topic' | 'partitions'>>>;
  /** Per partition, by topic then partition (the last read). */
  partitions: GroupPartitionLag[];
  /** The worst class among the topics (`empty-group` > `stalled` > `hot-partition` > `falling-behind` > `catching-up`); null without any committed topic. */
  class: LagClass | null;
  /** How long the offsets were watched, ms. */
  sampleMs: number;
}

/** Pure core: totals and per-topic sums of `partitions`. */
export function summariseLag(partitions: readonly GroupPartitionLag[]): { totalLag: number; topics: Array<{ topic: string; lag: number; partitions: number }>; partitions: GroupPartitionLag[] } {
  const sorted = [...partitions].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  const perTopic = new Map<string, { lag: number; partitions: number }>();
  for (const p of sorted) {
    const t = perTopic.get(p.topic) ?? { lag: 0, partitions: 0 };
    t.lag += p.lag;
    t.partitions += 1;
    perTopic.set(p.topic, t);
  }
  return {
    totalLag: sorted.reduce((sum, p) => sum + p.lag, 0),
    topics: [...perTopic].map(([topic, t]) => ({ topic, ...t })).sort((a, b) => b.lag - a.lag || (a.topic < b.topic ? -1 : 1)),
    partitions: sorted,
  };
}

/** The sample length in ms; `ACTION_PARAMS_INVALID` outside {@link MIN_SAMPLE_MS}..{@link MAX_SAMPLE_MS}. */
export function sampleMs(sample: string): number {
  const ms = parseDuration(sample);
  if (ms === null || ms < MIN_SAMPLE_MS || ms > MAX_SAMPLE_MS) {
    throw actionError('ACTION_PARAMS_INVALID', `sample ${sample} must be between 1s and 5m`, {
      details: { errors: [{ path: '/sample', message: 'must be between 1s and 5m' }] },
    });
  }
  return ms;
}

/** The group, or `ACTION_GROUP_NOT_FOUND` (404) when the coordinator does not know it. */
async function existingGroup(ctx: ActionContext, groupId: string, lag: readonly GroupPartitionLag[]): Promise<GroupDescription> {
  const group = await ctx.kafka.describeGroup(groupId);
  // The coordinator answers an unknown group as Dead with no members; a group that has
  // committed offsets exists, whatever its state.
  if (group.state === 'Dead' && lag.every((p) => p.committedOffset === null)) {
    throw actionError('ACTION_GROUP_NOT_FOUND', `consumer group ${groupId} does not exist (no member, no committed offset)`, {
      details: { group: groupId },
    });
  }
  return group;
}

export const consumerGroupLag: Action<ConsumerGroupLagParams, ConsumerGroupLagOutput> = {
  name: 'kafka.consumerGroupLag',
  description: 'Lag of a consumer group per partition, per topic and in total, with the group state and the kind of lag (stalled, falling-behind, hot-partition, catching-up, empty-group) from a short sample.',
  mutating: false,
  defaultRevert: 'never',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['group'],
    properties: {
      group: { type: 'string', minLength: 1, maxLength: 255 },
      topics: TOPIC_LIST,
      sample: { type: 'string', pattern: DURATION_PATTERN, default: DEFAULT_SAMPLE, description: 'how long to watch the offsets move (1s..5m)' },
      samples: { type: 'integer', minimum: 2, maximum: 20, default: DEFAULT_SAMPLES, description: 'reads over the sample, first and last included' },
    },
  },

  async plan(_ctx, params) {
    return readOnlyPlan(`read lag of consumer group ${params.group} over ${params.sample ?? DEFAULT_SAMPLE}`);
  },

  async execute(ctx, params) {
    const spanMs = sampleMs(params.sample ?? DEFAULT_SAMPLE);
    const count = params.samples ?? DEFAULT_SAMPLES;
    const reads: LagSample[] = [];
    for (let i = 0; i < count; i++) {
      if (i > 0) await sleep(spanMs / (count - 1), undefined, ctx.signal === undefined ? {} : { signal: ctx.signal });
      const lag = await ctx.kafka.consumerGroupLag(params.group, params.topics);
      reads.push({ at: ctx.clock.now(), partitions: lag });
      // Checked on the first read, so a typo fails at once instead of after the sample.
      if (i === 0) await existingGroup(ctx, params.group, lag);
    }
    const group = await ctx.kafka.describeGroup(params.group);
    const last = reads[reads.length - 1] as LagSample;
    const summary = summariseLag(last.partitions);
    const judged = summary.topics.map((t) => classifyTopic(t.topic, reads, group.members.length));
    const topics = summary.topics.map((t) => {
      const j = judged.find((x) => x.topic === t.topic) as TopicLagJudgement;
      const { topic: _topic, partitions: _partitions, ...rest } = j;
      return { ...t, ...rest };
    });
    ctx.logger.info({ group: params.group, classes: judged.map((j) => `${j.topic}:${j.class}`), sample: formatDuration(spanMs) }, 'consumer group lag classified');
    return {
      output: {
        group: params.group,
        state: group.state,
        members: group.members.length,
        totalLag: summary.totalLag,
        topics,
        partitions: summary.partitions,
        class: groupClass(judged),
        sampleMs: (last.at - (reads[0] as LagSample).at),
      },
    };
  },
};
