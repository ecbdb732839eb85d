/**
 * `kafka.logDirUsage`: bytes on disk per broker (and log dir), per topic and per partition
 * replica, largest first: the evidence for a disk-filling alert. Replicas being moved between
 * log dirs (`future`) count too, since they take space.
 */
import type { Action } from '../../types.ts';
import type { LogDirInfo } from '../types.ts';
import { readOnlyPlan } from './read-only.ts';
import { BROKER_ID, TOPIC_LIST } from './schema.ts';

export interface LogDirUsageParams {
  brokers?: number[];
  topics?: string[];
  /** How many topics and partitions to list. */
  top: number;
}

export interface LogDirUsageOutput {
  totalBytes: number;
  brokers: Array<{ brokerId: number; bytes: number; logDirs: Array<{ path: string; bytes: number; error: string | null }> }>;
  /** Top topics by bytes over all replicas. */
  topics: Array<{ topic: string; bytes: number; partitions: number }>;
  /** Top partition replicas by bytes. */
  partitions: Array<{ topic: string; partition: number; brokerId: number; path: string; bytes: number; future: boolean }>;
}

/** Pure core: aggregates `dirs`, keeping only `topics` when given. */
export function summariseLogDirs(dirs: readonly LogDirInfo[], topics: readonly string[] | undefined, top: number): LogDirUsageOutput {
  const wanted = topics === undefined ? undefined : new Set(topics);
  const replicas = dirs.flatMap((d) =>
    d.partitions
      .filter((p) => wanted === undefined || wanted.has(p.topic))
      .map((p) => ({ topic: p.topic, partition: p.partition, brokerId: d.brokerId, path: d.path, bytes: p.sizeBytes, future: p.isFuture })),
  );
  const brokers = new Map<number, LogDirUsageOutput['brokers'][number]>();
  for (const d of dirs) {
    const b = brokers.get(d.brokerId) ?? { brokerId: d.brokerId, bytes: 0, logDirs: [] };
    const bytes = replicas.filter((r) => r.brokerId === d.brokerId && r.path === d.path).reduce((s, r) => s + r.bytes, 0);
    b.logDirs.push({ path: d.path, bytes, error: d.error });
    b.bytes += bytes;
    brokers.set(d.brokerId, b);
  }
  const perTopic = new Map<string, { bytes: number; partitions: Set<number> }>();
  for (const r of replicas) {
    const t = perTopic.get(r.topic) ?? { bytes: 0, partitions: new Set<number>() };
    t.bytes += r.bytes;
    t.partitions.add(r.partition);
    perTopic.set(r.topic, t);
  }
  const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return {
    totalBytes: replicas.reduce((s, r) => s + r.bytes, 0),
    brokers: [...brokers.values()]
      .map((b) => ({ ...b, logDirs: b.logDirs.sort((x, y) => y.bytes - x.bytes || byName(x.path, y.path)) }))
      .sort((a, b) => b.bytes - a.bytes || a.brokerId - b.brokerId),
    topics: [...perTopic]
      .map(([topic, t]) => ({ topic, bytes: t.bytes, partitions: t.partitions.size }))
      .sort((a, b) => b.bytes - a.bytes || byName(a.topic, b.topic))
      .slice(0, top),
    partitions: replicas
      .sort((a, b) => b.bytes - a.bytes || byName(a.topic, b.topic) || a.partition - b.partition || a.brokerId - b.brokerId)
      .slice(0, top),
  };
}

export const logDirUsage: Action<LogDirUsageParams, LogDirUsageOutput> = {
  name: 'kafka.logDirUsage',
  description: 'Bytes on disk per broker and log dir, per topic and per partition replica, largest first.',
  mutating: false,
  defaultRevert: 'never',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      brokers: { type: 'array', items: BROKER_ID, minItems: 1, uniqueItems: true },
      topics: TOPIC_LIST,
      top: { type: 'integer', minimum: 1, maximum: 10_000, default: 10 },
    },
  },

  async plan() {
    return readOnlyPlan('read log dir usage');
  },

  async execute(ctx, params) {
    const dirs = await ctx.kafka.describeLogDirs(params.brokers);
    return { output: summariseLogDirs(dirs, params.topics, params.top) };
  },
};
