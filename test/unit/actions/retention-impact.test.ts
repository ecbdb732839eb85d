/** What a retention cut would free and delete, from the facts read from the cluster. */
import { expect } from 'chai';
import { retentionImpact, type RetentionFacts } from '../../../src/actions/kafka/actions/retention-impact.ts';

const MIB = 1_048_576;
const now = Date.parse('2026-03-01T12:00:00Z');

function facts(o: Partial<RetentionFacts> = {}): RetentionFacts {
  return {
    topic: 'orders',
    now,
    retention: { key: 'retention.ms', value: 3_600_000 },
    checkIntervalMs: 300_000,
    segmentBytes: 10 * MIB,
    // 1000 records on 95 MiB per replica; offsets below 600 are older than the cutoff.
    partitions: [{ partition: 0, start: 0, end: 1000, cutoffOffset: 600, replicaBytes: [95 * MIB, 95 * MIB] }],
    groups: [],
    ...o,
  };
}

describe('retention impact', () => {
  it('frees whole old segments of every replica, never the active one, by the next retention check', () => {
    const i = retentionImpact(facts());
    // 60 % of 95 MiB = 57 MiB old: 5 whole segments of 10 MiB per replica.
    expect(i.expectedFreedBytes).to.equal(2 * 50 * MIB);
    expect(i.bytesNow).to.equal(190 * MIB);
    expect(i.freedBy).to.equal('2026-03-01T12:05:00.000Z');
    expect(i.partitions[0]).to.deep.include({ newLogStartAtMost: 600, recordsDeleted: 600 });
    expect(i.dataLoss).to.deep.equal([]);
  });

  it('frees everything, active segment included, when no record is newer than the cut', () => {
    const i = retentionImpact(facts({ partitions: [{ partition: 0, start: 0, end: 1000, cutoffOffset: 1000, replicaBytes: [95 * MIB] }] }));
    expect(i.expectedFreedBytes).to.equal(95 * MIB);
  });

  it('finds the groups whose committed offset the new log start passes, and by how many records', () => {
    const i = retentionImpact(
      facts({
        groups: [
          { group: 'billing', offsets: [{ partition: 0, committed: 450 }] },
          { group: 'audit', offsets: [{ partition: 0, committed: 900 }] },
          { group: 'fresh', offsets: [{ partition: 0, committed: null }] },
        ],
      }),
    );
    expect(i.dataLoss).to.deep.equal([
      { topic: 'orders', group: 'billing', partition: 0, committedOffset: 450, newLogStartAtMost: 600, unreadRecords: 150 },
      { topic: 'orders', group: 'fresh', partition: 0, committedOffset: null, newLogStartAtMost: 600, unreadRecords: 600 },
    ]);
  });

  it('judges retention.bytes by the newest bytes kept per partition', () => {
    const i = retentionImpact(facts({ retention: { key: 'retention.bytes', value: 38 * MIB }, partitions: [{ partition: 0, start: 0, end: 1000, cutoffOffset: null, replicaBytes: [95 * MIB] }], groups: [{ group: 'g', offsets: [{ partition: 0, committed: 100 }] }] }));
    expect(i.partitions[0]?.newLogStartAtMost).to.equal(600);
    expect(i.dataLoss[0]?.unreadRecords).to.equal(500);
  });
});
