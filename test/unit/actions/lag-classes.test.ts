/** The kind of a group's lag, from samples of committed offsets and log ends: one case per class. */
import { expect } from 'chai';
import { classifyTopic, groupClass, hotPartitions, type LagSample } from '../../../src/actions/kafka/actions/lag-classes.ts';
import type { GroupPartitionLag } from '../../../src/actions/kafka/types.ts';

const T = 'orders';

/** A sample at `at` s with per partition [committed, logEnd]. */
function sample(at: number, offsets: Array<[number | null, number]>): LagSample {
  const partitions: GroupPartitionLag[] = offsets.map(([committed, end], partition) => ({
    topic: T,
    partition,
    committedOffset: committed,
    logEndOffset: end,
    lag: committed === null ? end : end - committed,
  }));
  return { at: at * 1000, partitions };
}

describe('lag classification', () => {
  it('empty-group: no member, whatever the offsets do', () => {
    const j = classifyTopic(T, [sample(0, [[10, 100]]), sample(10, [[10, 200]])], 0);
    expect(j.class).to.equal('empty-group');
    expect(j.reason).to.contain('no member');
  });

  it('stalled: lag, and no committed offset moves while the log end does', () => {
    const j = classifyTopic(T, [sample(0, [[10, 100], [20, 100]]), sample(5, [[10, 150], [20, 150]]), sample(10, [[10, 200], [20, 200]])], 2);
    expect(j).to.deep.include({ class: 'stalled', consumeRate: 0, produceRate: 20, partitionsMoving: 0, lagFirst: 170, lagLast: 370 });
    expect(j.samples.map((s) => s.lag)).to.deep.equal([170, 270, 370]);
  });

  it('hot-partition: one partition of four holds most of the lag', () => {
    const j = classifyTopic(T, [sample(0, [[0, 1000], [90, 100], [95, 100], [99, 100]]), sample(10, [[10, 1100], [190, 200], [195, 200], [199, 200]])], 4);
    expect(j.class).to.equal('hot-partition');
    expect(j.hotPartitions.map((p) => p.partition)).to.deep.equal([0]);
  });

  it('falling-behind: offsets move but the lag grows', () => {
    const j = classifyTopic(T, [sample(0, [[100, 200], [100, 200]]), sample(10, [[150, 400], [150, 400]])], 2);
    expect(j).to.deep.include({ class: 'falling-behind', consumeRate: 10, produceRate: 40, lagFirst: 200, lagLast: 500 });
  });

  it('catching-up: offsets move and the lag shrinks, or there is none', () => {
    expect(classifyTopic(T, [sample(0, [[100, 500], [100, 500]]), sample(10, [[400, 600], [400, 600]])], 2).class).to.equal('catching-up');
    expect(classifyTopic(T, [sample(0, [[100, 100]]), sample(10, [[100, 100]])], 1)).to.deep.include({ class: 'catching-up', reason: 'no lag (consumed 0/s, produced 0/s over 10 s)' });
  });

  it('a partition never committed counts as all unread, and moving once it commits', () => {
    const j = classifyTopic(T, [sample(0, [[null, 50]]), sample(10, [[40, 60]])], 1);
    expect(j).to.deep.include({ lagFirst: 50, lagLast: 20, partitionsMoving: 1, class: 'catching-up' });
  });

  it('does not call lag spread over many partitions hot', () => {
    const even = sample(0, [[0, 100], [0, 100], [0, 100], [0, 100]]).partitions;
    expect(hotPartitions(even)).to.deep.equal([]);
    expect(hotPartitions(sample(0, [[0, 100]]).partitions)).to.deep.equal([]);
  });

  it("a group's class is its worst topic's", () => {
    const stalled = classifyTopic(T, [sample(0, [[1, 5]]), sample(5, [[1, 9]])], 1);
    const fine = classifyTopic(T, [sample(0, [[1, 5]]), sample(5, [[9, 9]])], 1);
    expect(groupClass([fine, stalled])).to.equal('stalled');
    expect(groupClass([])).to.equal(null);
  });
});
