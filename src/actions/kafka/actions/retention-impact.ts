/**
 * What lowering a topic's retention would do, before it is done. Pure: the facts read from the
 * cluster come in (retention-facts.ts gathers them), the impact comes out.
 *
 * Kafka deletes whole segments, oldest first, at its next retention check
 * (`log.retention.check.interval.ms`): with `retention.ms`, every segment whose newest record is
 * older than the retention; with `retention.bytes`, the oldest segments while the partition stays
 * above that size without them. The active segment goes only when all of it is older than the
 * retention (no write since); while producers write, it stays.
 *
 * New log start. With `retention.ms` the cut is judged at the next check at the latest, so the
 * cutoff is `now + checkInterval - retention.ms`; the first offset at or after that timestamp
 * (ListOffsets by timestamp) is an upper bound of the new log start (segment granularity can only
 * keep more). With `retention.bytes`, the offsets beyond the newest `retention.bytes` of the
 * partition, assuming records of even size. A consumer group whose committed offset is below that
 * bound would lose the records in between: that is data loss.
 *
 * Bytes freed. An estimate from the partition's size (DescribeLogDirs, every replica) and its
 * segment size (`segment.bytes`): the share of records older than the cutoff, in whole segments,
 * without the active one while there are newer records. The actual figure shows afterwards in the
 * log dir sizes.
 */

/** One partition as read from the cluster. */
export interface PartitionFacts {
  partition: number;
  /** Log start and end offsets now. */
  start: number;
  end: number;
  /** With retention.ms: the first offset at or after the cutoff timestamp (the log end if none). */
  cutoffOffset: number | null;
  /** Bytes of each replica of the partition (DescribeLogDirs). */
  replicaBytes: number[];
}

export interface RetentionFacts {
  topic: string;
  now: number;
  /** What the change sets. */
  retention: { key: 'retention.ms' | 'retention.bytes'; value: number };
  checkIntervalMs: number;
  segmentBytes: number;
  partitions: PartitionFacts[];
  /** Committed offsets of every consumer group that committed on the topic; null: none on that partition. */
  groups: Array<{ group: string; offsets: Array<{ partition: number; committed: number | null }> }>;
}

/** Records a group has not read that the change would delete. */
export interface DataLossFinding {
  topic: string;
  group: string;
  partition: number;
  /** null: the group never committed on this partition (it would read from the log start). */
  committedOffset: number | null;
  /** Upper bound of the partition's log start after the change. */
  newLogStartAtMost: number;
  unreadRecords: number;
}

export interface RetentionImpact {
  topic: string;
  key: 'retention.ms' | 'retention.bytes';
  value: number;
  /** Bytes of every replica now. */
  bytesNow: number;
  /** Estimated bytes freed over every replica (see the module comment). */
  expectedFreedBytes: number;
  /** By when: the next retention check at the latest (epoch ms as ISO). */
  freedBy: string;
  checkIntervalMs: number;
  segmentBytes: number;
  partitions: Array<{ partition: number; start: number; end: number; newLogStartAtMost: number; recordsDeleted: number; bytesNow: number; expectedFreedBytes: number }>;
  dataLoss: DataLossFinding[];
}

function newLogStart(p: PartitionFacts, facts: RetentionFacts): number {
  if (facts.retention.key === 'retention.ms') return Math.max(p.start, Math.min(p.end, p.cutoffOffset ?? p.start));
  const size = Math.max(0, ...p.replicaBytes);
  if (size <= facts.retention.value || p.end <= p.start) return p.start;
  const share = 1 - facts.retention.value / size;
  return p.start + Math.floor((p.end - p.start) * share);
}

/** Bytes a partition replica of `size` frees when `share` of its records go (estimate). */
function freedBytes(size: number, share: number, segmentBytes: number, everything: boolean): number {
  if (size <= 0 || share <= 0) return 0;
  if (everything) return size;
  const seg = Math.max(1, segmentBytes);
  // The active segment holds the newest records: at most `size mod seg` bytes (or a whole segment).
  const active = size % seg === 0 ? Math.min(size, seg) : size % seg;
  const closedOld = Math.floor((size * share) / seg) * seg;
  return Math.max(0, Math.min(closedOld, size - active));
}

export function retentionImpact(facts: RetentionFacts): RetentionImpact {
  const partitions = facts.partitions.map((p) => {
    const start = newLogStart(p, facts);
    const records = p.end - p.start;
    const share = records <= 0 ? 0 : (start - p.start) / records;
    const everything = records > 0 && start >= p.end;
    const bytesNow = p.replicaBytes.reduce((s, b) => s + b, 0);
    const expected = p.replicaBytes.reduce((s, b) => s + freedBytes(b, share, facts.segmentBytes, everything), 0);
    return { partition: p.partition, start: p.start, end: p.end, newLogStartAtMost: start, recordsDeleted: start - p.start, bytesNow, expectedFreedBytes: expected };
  });
  const dataLoss: DataLossFinding[] = [];
  for (const g of facts.groups) {
    for (const p of partitions) {
      const committed = g.offsets.find((o) => o.partition === p.partition)?.committed ?? null;
      const readFrom = Math.max(committed ?? p.start, p.start);
      if (p.newLogStartAtMost > readFrom) {
        dataLoss.push({ topic: facts.topic, group: g.group, partition: p.partition, committedOffset: committed, newLogStartAtMost: p.newLogStartAtMost, unreadRecords: p.newLogStartAtMost - readFrom });
      }
    }
  }
  return {
    topic: facts.topic,
    key: facts.retention.key,
    value: facts.retention.value,
    bytesNow: partitions.reduce((s, p) => s + p.bytesNow, 0),
    expectedFreedBytes: partitions.reduce((s, p) => s + p.expectedFreedBytes, 0),
    freedBy: new Date(facts.now + facts.checkIntervalMs).toISOString(),
    checkIntervalMs: facts.checkIntervalMs,
    segmentBytes: facts.segmentBytes,
    partitions,
    dataLoss,
  };
}

/** One line for a plan summary. */
export function describeImpact(i: RetentionImpact): string {
  const mib = (b: number) => `${(b / 1_048_576).toFixed(1)} MiB`;
  const loss =
    i.dataLoss.length === 0
      ? 'no consumer group loses unread records'
      : `DATA LOSS: ${[...new Set(i.dataLoss.map((d) => d.group))].join(', ')} would lose ${i.dataLoss.reduce((s, d) => s + d.unreadRecords, 0)} unread records`;
  return `${i.topic}: about ${mib(i.expectedFreedBytes)} of ${mib(i.bytesNow)} freed by ${i.freedBy} (next retention check; whole segments of ${mib(i.segmentBytes)}, the active segment kept while written); ${loss}`;
}
