/**
 * What kind of lag a consumer group has on a topic, from a short sample of its committed offsets
 * and the log end offsets (Burrow's model, reduced to what decides the containment). Pure: the
 * samples come in, a class and the numbers behind it come out.
 *
 * Classes, the first that applies wins:
 * 1. `empty-group`: the group has no member. Nobody consumes; the lag cannot shrink until a
 *    consumer starts. Slowing producers only delays the inevitable.
 * 2. `stalled`: there is lag, and no committed offset of the topic moved during the sample
 *    (whether or not producers write). The consumers are stuck (a poison message, a deadlock,
 *    a rebalance loop) or not committing: a person must look; slowing producers does not help.
 * 3. `hot-partition`: at least two partitions, and at most a quarter of them (at least one) hold
 *    {@link HOT_SHARE} or more of the lag: a skewed key or one slow partition. Throttling every
 *    producer of the topic slows the healthy partitions too.
 * 4. `falling-behind`: the committed offsets move, and the lag grew over the sample: the group
 *    consumes slower than producers write. The one kind slowing producers helps, for a while.
 * 5. `catching-up`: the committed offsets move and the lag did not grow (including no lag).
 */
import type { GroupPartitionLag } from '../types.ts';

export const LAG_CLASSES = ['empty-group', 'stalled', 'hot-partition', 'falling-behind', 'catching-up'] as const;
export type LagClass = (typeof LAG_CLASSES)[number];

/** Share of the lag that makes a few partitions "hot". */
export const HOT_SHARE = 0.8;

/** One read of the group's offsets on every partition, at `at` (epoch ms). */
export interface LagSample {
  at: number;
  partitions: readonly GroupPartitionLag[];
}

/** The sums over the topic's partitions at one sample. */
export interface TopicSamplePoint {
  at: string;
  committed: number;
  logEnd: number;
  lag: number;
}

export interface TopicLagJudgement {
  topic: string;
  class: LagClass;
  /** One sentence with the numbers behind the class. */
  reason: string;
  /** Lag at the first and the last sample, messages. */
  lagFirst: number;
  lagLast: number;
  /** Messages per second over the sample: committed by the group, appended by producers. */
  consumeRate: number;
  produceRate: number;
  /** Partitions whose committed offset moved during the sample. */
  partitionsMoving: number;
  partitions: number;
  /** The partitions that hold {@link HOT_SHARE} of the lag, largest first (hot-partition only). */
  hotPartitions: Array<{ partition: number; lag: number; share: number }>;
  samples: TopicSamplePoint[];
}

/** Sum of committed offsets; a partition without one counts from its log end minus its lag. */
function committedOf(p: GroupPartitionLag): number {
  return p.committedOffset ?? p.logEndOffset - p.lag;
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** The smallest set of partitions holding {@link HOT_SHARE} of the lag, when it is small enough. */
export function hotPartitions(partitions: readonly GroupPartitionLag[]): TopicLagJudgement['hotPartitions'] {
  const total = partitions.reduce((s, p) => s + p.lag, 0);
  if (partitions.length < 2 || total <= 0) return [];
  const sorted = [...partitions].sort((a, b) => b.lag - a.lag || a.partition - b.partition);
  const hot: TopicLagJudgement['hotPartitions'] = [];
  let held = 0;
  for (const p of sorted) {
    if (held >= HOT_SHARE * total) break;
    held += p.lag;
    hot.push({ partition: p.partition, lag: p.lag, share: round(p.lag / total, 3) });
  }
  return hot.length <= Math.max(1, Math.floor(partitions.length / 4)) ? hot : [];
}

/**
 * Classifies one topic of a group from samples in time order (at least two, the first and last
 * span the sample). `members` is the group's member count at the last sample.
 */
export function classifyTopic(topic: string, samples: readonly LagSample[], members: number): TopicLagJudgement {
  const of = (s: LagSample) => s.partitions.filter((p) => p.topic === topic);
  const last = of(samples[samples.length - 1] as LagSample);
  const seconds = Math.max(0.001, ((samples[samples.length - 1] as LagSample).at - (samples[0] as LagSample).at) / 1000);
  const points: TopicSamplePoint[] = samples.map((s) => {
    const ps = of(s);
    return {
      at: new Date(s.at).toISOString(),
      committed: ps.reduce((sum, p) => sum + committedOf(p), 0),
      logEnd: ps.reduce((sum, p) => sum + p.logEndOffset, 0),
      lag: ps.reduce((sum, p) => sum + p.lag, 0),
    };
  });
  const a = points[0] as TopicSamplePoint;
  const b = points[points.length - 1] as TopicSamplePoint;
  // A partition moved when its committed offset differs between any two samples.
  const moving = last.filter((p) =>
    samples.some((s) => {
      const earlier = of(s).find((q) => q.partition === p.partition);
      return earlier !== undefined && committedOf(earlier) !== committedOf(p);
    }),
  ).length;
  const base = {
    topic,
    lagFirst: a.lag,
    lagLast: b.lag,
    consumeRate: round(Math.max(0, b.committed - a.committed) / seconds),
    produceRate: round(Math.max(0, b.logEnd - a.logEnd) / seconds),
    partitionsMoving: moving,
    partitions: last.length,
    hotPartitions: [] as TopicLagJudgement['hotPartitions'],
    samples: points,
  };
  const span = `${round(seconds)} s`;
  const rates = `consumed ${base.consumeRate}/s, produced ${base.produceRate}/s over ${span}`;
  if (members === 0) {
    return { ...base, class: 'empty-group', reason: `the group has no member: nobody consumes (lag ${b.lag}, ${rates})` };
  }
  if (b.lag > 0 && moving === 0) {
    return { ...base, class: 'stalled', reason: `no committed offset moved in ${span} while the lag is ${b.lag} (log end ${base.produceRate > 0 ? `moving at ${base.produceRate}/s` : 'not moving'})` };
  }
  const hot = hotPartitions(last);
  if (hot.length > 0) {
    const share = round((hot.reduce((s, p) => s + p.lag, 0) / Math.max(1, b.lag)) * 100, 0);
    return {
      ...base,
      class: 'hot-partition',
      hotPartitions: hot,
      reason: `partition${hot.length > 1 ? 's' : ''} ${hot.map((p) => p.partition).join(', ')} of ${last.length} hold${hot.length > 1 ? '' : 's'} ${share}% of the lag ${b.lag} (${rates})`,
    };
  }
  if (b.lag > a.lag) {
    return { ...base, class: 'falling-behind', reason: `the lag grew from ${a.lag} to ${b.lag}: ${rates}` };
  }
  return { ...base, class: 'catching-up', reason: b.lag === 0 ? `no lag (${rates})` : `the lag went from ${a.lag} to ${b.lag}: ${rates}` };
}

/** How bad a class is for ordering a group's topics: the group's class is its worst topic's. */
const SEVERITY: Record<LagClass, number> = { 'empty-group': 4, stalled: 3, 'hot-partition': 2, 'falling-behind': 1, 'catching-up': 0 };

/** The class that stands for the whole group: the worst among its topics, then the most lag. */
export function groupClass(topics: readonly TopicLagJudgement[]): LagClass | null {
  const worst = [...topics].sort((x, y) => SEVERITY[y.class] - SEVERITY[x.class] || y.lagLast - x.lagLast)[0];
  return worst?.class ?? null;
}
