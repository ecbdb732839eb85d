import { expect } from 'chai';
import { createActionRegistry } from '../../../src/actions/catalogue.ts';
import { cutDecision } from '../../../src/actions/kafka/actions/cut-retention.ts';
import { summariseReassignments } from '../../../src/actions/kafka/actions/partition-reassignments.ts';
import { FirebreakError } from '../../../src/errors.ts';

describe('partition reassignments and retention cuts (pure parts)', () => {
  it('summarises reassignments: in progress, per topic, brokers gaining and losing replicas', () => {
    const out = summariseReassignments(
      [
        { topic: 'orders', partition: 0, replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [1] },
        { topic: 'orders', partition: 1, replicas: [2, 3], addingReplicas: [3], removingReplicas: [] },
        { topic: 'audit', partition: 0, replicas: [1, 2], addingReplicas: [2], removingReplicas: [] },
      ],
      2,
    );
    expect(out.inProgress).to.equal(true);
    expect(out.count).to.equal(3);
    expect(out.topics).to.deep.equal([
      { topic: 'orders', partitions: 2 },
      { topic: 'audit', partitions: 1 },
    ]);
    expect(out.addingBrokers).to.deep.equal([2, 3]);
    expect(out.removingBrokers).to.deep.equal([1]);
    expect(out.reassignments).to.have.length(2);
    expect(out.truncated).to.equal(true);
    expect(summariseReassignments([], 10)).to.deep.include({ inProgress: false, count: 0, truncated: false });
  });

  it('cuts retention only where it lowers it: unlimited and longer retentions are cut, shorter ones kept', () => {
    expect(cutDecision(-1, 3_600_000)).to.equal('cut');
    expect(cutDecision(604_800_000, 3_600_000)).to.equal('cut');
    expect(cutDecision(3_600_000, 3_600_000)).to.equal('already-lower');
    expect(cutDecision(600_000, 3_600_000)).to.equal('already-lower');
  });

  it('refuses a retention cut below the hard floor before reading anything', () => {
    const registry = createActionRegistry();
    try {
      registry.validateParams('kafka.cutRetention', { topics: ['orders'], retentionMs: 1_000 });
      expect.fail('accepted retention below 60000 ms');
    } catch (err) {
      expect((err as FirebreakError).code).to.equal('ACTION_PARAMS_INVALID');
    }
    expect(registry.validateParams('kafka.cutRetention', { topics: ['orders'], retentionMs: 3_600_000 })).to.deep.equal({ topics: ['orders'], retentionMs: 3_600_000, maxTopics: 3 });
    expect(registry.get('kafka.cutRetention').defaultRevert).to.equal('on-resolve');
    expect(registry.get('kafka.partitionReassignments').mutating).to.equal(false);
  });
});
