/**
 * Reads what retention-impact.ts judges a retention cut on: per topic its partitions' log start
 * and end offsets and, for `retention.ms`, the first offset at the cutoff timestamp (ListOffsets),
 * each replica's size (DescribeLogDirs), its `segment.bytes`, the brokers'
 * `log.retention.check.interval.ms`, and the committed offsets of every consumer group that
 * committed on it (ListGroups, OffsetFetch). Then {@link judgeRetention} refuses a change that
 * would delete unread records, unless the caller acknowledged it.
 */
import { FirebreakError } from '../../../errors.ts';
import type { ActionContext } from '../../types.ts';
import type { CommittedOffset, LogDirInfo } from '../types.ts';
import { retentionImpact, type DataLossFinding, type RetentionImpact } from './retention-impact.ts';

/** Kafka's defaults, used when a config cannot be read. */
const DEFAULT_CHECK_INTERVAL_MS = 300_000;
const DEFAULT_SEGMENT_BYTES = 1_073_741_824;

async function numberConfig(ctx: ActionContext, resource: { type: 'topic' | 'broker'; name: string }, key: string, fallback: number): Promise<number> {
  const entries = await ctx.kafka.describeConfigs(resource, [key]);
  const n = Number(entries.find((e) => e.name === key)?.value ?? Number.NaN);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/**
 * The retention check interval, the largest any reachable broker uses (the latest a cut acts),
 * and every reachable broker's log dirs. A broker that does not answer is left out: it deletes
 * nothing while it is down, and the bytes estimate only counts the replicas it can see. (The
 * consumer groups' offsets are not read this way: an unreadable group fails the judgement.)
 */
async function brokerFacts(ctx: ActionContext): Promise<{ checkIntervalMs: number; dirs: LogDirInfo[] }> {
  const { brokers } = await ctx.kafka.describeCluster();
  const perBroker = await Promise.all(
    brokers.map(async (b) => {
      try {
        const interval = await numberConfig(ctx, { type: 'broker', name: String(b.nodeId) }, 'log.retention.check.interval.ms', DEFAULT_CHECK_INTERVAL_MS);
        return { interval, dirs: await ctx.kafka.describeLogDirs([b.nodeId]) };
      } catch (err) {
        ctx.logger.warn({ brokerId: b.nodeId, err }, 'broker unreadable: left out of the retention cut estimate');
        return null;
      }
    }),
  );
  const answered = perBroker.filter((b): b is NonNullable<typeof b> => b !== null);
  return {
    checkIntervalMs: answered.length === 0 ? DEFAULT_CHECK_INTERVAL_MS : Math.max(...answered.map((b) => b.interval)),
    dirs: answered.flatMap((b) => b.dirs),
  };
}

/**
 * Every consumer group's committed offsets, read once per judgement: one OffsetFetch per group
 * for all its topics (a cluster has hundreds of groups; asking each of them again for each topic
 * a change touches made a plan outlast its step's timeout).
 */
async function committedByGroup(ctx: ActionContext, groupIds: readonly string[]): Promise<Map<string, CommittedOffset[]>> {
  const out = new Map<string, CommittedOffset[]>();
  for (const group of groupIds) {
    const offsets = await ctx.kafka.committedOffsets(group);
    if (offsets.length > 0) out.set(group, offsets);
  }
  return out;
}

/** Committed offsets on `topic` of every consumer group that has committed there. */
function groupsOn(committed: Map<string, CommittedOffset[]>, topic: string): RetentionFacts['groups'] {
  const found: RetentionFacts['groups'] = [];
  for (const [group, offsets] of committed) {
    const mine = offsets.filter((o) => o.topic === topic).map((o) => ({ partition: o.partition, committed: o.offset }));
    if (mine.length > 0) found.push({ group, offsets: mine });
  }
  return found;
}

type RetentionFacts = Parameters<typeof retentionImpact>[0];

/** What a session of judgements shares: read once for every topic of a change. */
export interface RetentionReader {
  impact(topic: string, retention: RetentionFacts['retention']): Promise<RetentionImpact>;
}

export function retentionReader(ctx: ActionContext): RetentionReader {
  let shared: Promise<{ checkIntervalMs: number; dirs: LogDirInfo[]; committed: Map<string, CommittedOffset[]> }> | undefined;
  const load = () =>
    (shared ??= (async () => {
      const [{ checkIntervalMs, dirs }, groups] = await Promise.all([brokerFacts(ctx), ctx.kafka.listGroups()]);
      const groupIds = groups.filter((g) => g.protocolType === 'consumer' || g.protocolType === '').map((g) => g.groupId);
      return { checkIntervalMs, dirs, committed: await committedByGroup(ctx, groupIds) };
    })());
  return {
    async impact(topic, retention) {
      const { checkIntervalMs, dirs, committed } = await load();
      const now = ctx.clock.now();
      // One read after the other: the Kafka client shares one metadata cache between calls.
      const cutoff =
        retention.key === 'retention.ms' ? new Map((await ctx.kafka.offsetsForTimestamp(topic, now + checkIntervalMs - retention.value)).map((o) => [o.partition, o.offset])) : null;
      const offsets = await ctx.kafka.topicOffsets(topic);
      const segmentBytes = await numberConfig(ctx, { type: 'topic', name: topic }, 'segment.bytes', DEFAULT_SEGMENT_BYTES);
      const groups = groupsOn(committed, topic);
      const partitions = offsets.map((o) => ({
        ...o,
        cutoffOffset: cutoff === null ? null : (cutoff.get(o.partition) ?? o.start),
        replicaBytes: dirs.flatMap((d) => d.partitions.filter((p) => p.topic === topic && p.partition === o.partition && !p.isFuture).map((p) => p.sizeBytes)),
      }));
      return retentionImpact({ topic, now, retention, checkIntervalMs, segmentBytes, partitions, groups });
    },
  };
}

/**
 * Throws `ACTION_DATA_LOSS` (409) when `impacts` delete records a group has not read and the
 * caller did not acknowledge it (`ctx.acknowledged` holds `data-loss`: an approval granted for
 * it, or `firebreak action --accept-data-loss`).
 */
export function assertNoDataLoss(ctx: ActionContext, impacts: readonly RetentionImpact[]): void {
  const findings: DataLossFinding[] = impacts.flatMap((i) => i.dataLoss);
  if (findings.length === 0 || ctx.acknowledged?.includes('data-loss') === true) return;
  const groups = [...new Set(findings.map((f) => f.group))];
  throw new FirebreakError(
    'ACTION_DATA_LOSS',
    `lowering retention would delete ${findings.reduce((s, f) => s + f.unreadRecords, 0)} records that consumer group${groups.length > 1 ? 's' : ''} ${groups.join(', ')} ha${groups.length > 1 ? 've' : 's'} not read (${[...new Set(findings.map((f) => f.topic))].join(', ')})`,
    { statusCode: 409, details: { resource: `topic:${findings[0]?.topic ?? ''}`, dataLoss: findings } },
  );
}

/**
 * The retention keys among `configs` that lower the topic's effective retention (its own value
 * or the broker default; -1 is unlimited): the ones to judge. Values that are not numbers are left
 * to the floors and the broker's validation.
 */
export async function loweredRetention(ctx: ActionContext, topic: string, configs: Record<string, string>): Promise<RetentionFacts['retention'][]> {
  const keys = (['retention.ms', 'retention.bytes'] as const).filter((k) => k in configs && /^-?\d+$/.test(String(configs[k]).trim()));
  if (keys.length === 0) return [];
  const entries = await ctx.kafka.describeConfigs({ type: 'topic', name: topic }, [...keys], { consistency: 'all-brokers' });
  const lowered: RetentionFacts['retention'][] = [];
  for (const key of keys) {
    const to = Number(String(configs[key]).trim());
    const current = Number(entries.find((e) => e.name === key)?.value ?? -1);
    if (to >= 0 && (current < 0 || to < current)) lowered.push({ key, value: to });
  }
  return lowered;
}
