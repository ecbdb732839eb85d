import { expect } from 'chai';
import { createActionRegistry } from '../../../src/actions/catalogue.ts';
import { cutDecision } from '../../../src/actions/kafka/actions/cut-retention.ts';
import { summariseReassignments, throttledReplicas } from '../../../src/actions/kafka/actions/partition-reassignments.ts';
import { mergeOutcomes, throttles } from '../../../src/actions/kafka/actions/throttle-producers.ts';
import { FirebreakError } from '../../../src/errors.ts';

describe('partition reassignments, retention cuts and producer throttles (pure parts)', () => {
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

  it('lists the moving replicas for a throttle: holders on the leader side, new ones on the follower side, protected topics left out', () => {
    const moves = [
      { topic: 'orders', partition: 0, replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [1] },
      { topic: 'orders', partition: 1, replicas: [2, 3], addingReplicas: [3], removingReplicas: [] },
      { topic: '__consumer_offsets', partition: 7, replicas: [1, 2], addingReplicas: [2], removingReplicas: [] },
    ];
    expect(throttledReplicas(moves, (t) => t.startsWith('__'))).to.deep.equal([{ name: 'orders', leader: ['0:1', '0:2', '1:2'], follower: ['0:3', '1:3'] }]);
  });

  it('throttles a producer only when that lowers its own quota, and merges per-client revert outcomes', () => {
    expect(throttles(null, 1_048_576)).to.equal(true);
    expect(throttles(10_485_760, 1_048_576)).to.equal(true);
    expect(throttles(1_048_576, 1_048_576)).to.equal(false);
    expect(throttles(65_536, 1_048_576)).to.equal(false);
    const restored = { resource: 'quota:client-id=a', key: 'producer_byte_rate', from: 1, to: null };
    expect(mergeOutcomes([{ status: 'already-reverted' }, { status: 'reverted', changes: [restored] }])).to.deep.equal({ status: 'reverted', changes: [restored] });
    expect(mergeOutcomes([{ status: 'already-reverted' }, { status: 'already-reverted' }])).to.deep.equal({ status: 'already-reverted' });
    const conflict = { resource: 'quota:client-id=b', key: 'producer_byte_rate', expected: 1, actual: 5 };
    expect(mergeOutcomes([{ status: 'reverted', changes: [restored] }, { status: 'conflict', conflicts: [conflict] }])).to.deep.equal({ status: 'conflict', conflicts: [conflict], changes: [restored] });
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
