import { expect } from 'chai';
import { registerKafkaActions } from '../../../src/actions/kafka/index.ts';
import { ActionRegistry } from '../../../src/actions/registry.ts';
import { FirebreakError } from '../../../src/errors.ts';

function errorsOf(registry: ActionRegistry, name: string, params: unknown): Array<{ path: string; message: string }> {
  try {
    registry.validateParams(name, params);
  } catch (err) {
    expect(err).to.be.instanceOf(FirebreakError);
    expect((err as FirebreakError).code).to.equal('ACTION_PARAMS_INVALID');
    return (err as FirebreakError).details?.['errors'] as Array<{ path: string; message: string }>;
  }
  return [];
}

describe('Kafka action params', () => {
  const registry = registerKafkaActions(new ActionRegistry());

  it('registers the whole catalogue with strict schemas', () => {
    expect(registry.list().map((a) => `${a.name}:${a.mutating ? a.defaultRevert : 'read-only'}`)).to.deep.equal([
      'kafka.consumerGroupLag:read-only',
      'kafka.cutRetention:on-resolve',
      'kafka.describeCluster:read-only',
      'kafka.logDirUsage:read-only',
      'kafka.partitionReassignments:read-only',
      'kafka.removeClientQuota:on-resolve',
      'kafka.setClientQuota:on-resolve',
      'kafka.setReplicationThrottle:on-resolve',
      'kafka.setTopicConfig:on-resolve',
      'kafka.throttleProducers:on-resolve',
      'kafka.underReplicatedPartitions:read-only',
    ]);
    expect(registry.list().every((a) => a.mutating === a.reversible)).to.equal(true);
  });

  it('rejects an unknown top-level param on every action', () => {
    for (const { name } of registry.list()) {
      expect(errorsOf(registry, name, { bogus: true }), name).to.deep.include({ path: '/bogus', message: 'is not allowed (unknown property)' });
    }
  });

  it('setClientQuota: entity names are strings or null (default entity) and at least one quota is required', () => {
    expect(registry.validateParams('kafka.setClientQuota', { entity: { user: null, 'client-id': 'app' }, producerByteRate: 1024 })).to.deep.equal({
      entity: { user: null, 'client-id': 'app' },
      producerByteRate: 1024,
    });
    expect(errorsOf(registry, 'kafka.setClientQuota', { entity: { 'client-id': 'app' } })).to.deep.equal([
      { path: '/', message: 'must have at least one of: producerByteRate, consumerByteRate, requestPercentage' },
    ]);
    expect(errorsOf(registry, 'kafka.setClientQuota', { entity: {}, producerByteRate: 1 })).to.deep.equal([
      { path: '/entity', message: 'must NOT have fewer than 1 properties' },
    ]);
    expect(errorsOf(registry, 'kafka.setClientQuota', { entity: { ip: '10.0.0.1' }, producerByteRate: 1 })).to.deep.include({
      path: '/entity/ip',
      message: 'is not allowed (unknown property)',
    });
    expect(errorsOf(registry, 'kafka.setClientQuota', { entity: { user: 'a' }, producerByteRate: 1.5 })).to.deep.equal([
      { path: '/producerByteRate', message: 'must be integer' },
    ]);
  });

  it('removeClientQuota defaults to every managed key and accepts only those', () => {
    expect(registry.validateParams('kafka.removeClientQuota', { entity: { user: 'a' } })).to.deep.equal({
      entity: { user: 'a' },
      keys: ['producerByteRate', 'consumerByteRate', 'requestPercentage'],
    });
    const errors = errorsOf(registry, 'kafka.removeClientQuota', { entity: { user: 'a' }, keys: ['producer_byte_rate'] });
    expect(errors[0]?.path).to.equal('/keys/0');
    expect(errors[0]?.message).to.include('"producerByteRate"');
  });

  it('setTopicConfig takes a topic name and a map of config values', () => {
    expect(registry.validateParams('kafka.setTopicConfig', { topic: 'orders', configs: { 'retention.ms': 3600000, 'cleanup.policy': 'delete' } })).to.deep.equal({
      topic: 'orders',
      configs: { 'retention.ms': 3600000, 'cleanup.policy': 'delete' },
    });
    expect(errorsOf(registry, 'kafka.setTopicConfig', { topic: 'bad topic!', configs: {} }).map((e) => e.path)).to.deep.equal(['/topic', '/configs']);
    expect(errorsOf(registry, 'kafka.setTopicConfig', { topic: 'orders', configs: { 'retention.ms': { nested: 1 } } })).to.deep.include({
      path: '/configs/retention.ms',
      message: 'must be string,number,boolean',
    });
  });

  it('setReplicationThrottle takes topics as names or as explicit replica lists', () => {
    const ok = { rateBytesPerSecond: 10_000_000, brokers: [1, 2], topics: ['orders', { name: 'payments', leader: ['0:1', '1:2'], follower: '*' }] };
    expect(registry.validateParams('kafka.setReplicationThrottle', ok)).to.deep.equal(ok);
    const errors = errorsOf(registry, 'kafka.setReplicationThrottle', { rateBytesPerSecond: 1, topics: [{ name: 'x', leader: ['0-1'] }] });
    expect(errors.map((e) => e.path)).to.include('/topics/0/leader/0');
    expect(errorsOf(registry, 'kafka.setReplicationThrottle', { rateBytesPerSecond: 1, topics: [{ name: 'x' }] }).map((e) => e.path)).to.include('/topics/0');
  });

  it('read-only actions fill their defaults', () => {
    expect(registry.validateParams('kafka.logDirUsage', {})).to.deep.equal({ top: 10 });
    expect(registry.validateParams('kafka.underReplicatedPartitions', { topics: ['a'] })).to.deep.equal({ topics: ['a'], limit: 1000 });
    expect(errorsOf(registry, 'kafka.consumerGroupLag', {})).to.deep.equal([{ path: '/group', message: 'is required' }]);
  });
});
