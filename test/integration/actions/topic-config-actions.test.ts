import { expect } from 'chai';
import { createTopic, useKafka, type Cluster } from '../../support/kafka.ts';
import { actionHarness, configsOf, rejection, type Harness } from './harness.ts';

describe('topic config actions against a real cluster', function () {
  this.timeout(60_000);
  let cluster: Cluster;
  let h: Harness;

  before(async function () {
    this.timeout(180_000);
    cluster = await useKafka();
    h = actionHarness(cluster);
  });

  after(async () => {
    await h?.close();
  });

  it('changes only the named keys, leaving the topic\'s other dynamic configs intact, and reverts exactly', async () => {
    const topic = await createTopic(cluster, { configs: { 'max.message.bytes': '2097152', 'retention.ms': '86400000' } });
    const params = { topic, configs: { 'retention.ms': 3_600_000, 'segment.ms': '600000' } };

    const plan = await h.plan('kafka.setTopicConfig', params);
    expect(plan.changes).to.deep.equal([
      { resource: `topic:${topic}`, key: 'retention.ms', from: '86400000', to: '3600000' },
      { resource: `topic:${topic}`, key: 'segment.ms', from: null, to: '600000' },
    ]);
    expect(plan.touches.topics).to.deep.equal([topic]);

    const result = await h.execute('kafka.setTopicConfig', params);
    expect(result.prior).to.deep.equal({ resources: [{ type: 'topic', name: topic, configs: { 'retention.ms': '86400000', 'segment.ms': null } }] });
    expect(await configsOf(h.admin, 'topic', topic)).to.deep.equal({
      'max.message.bytes': '2097152',
      'retention.ms': '3600000',
      'segment.ms': '600000',
    });

    const outcome = await h.revert('kafka.setTopicConfig', params, { prior: result.prior, applied: result.applied });
    expect(outcome.status).to.equal('reverted');
    // retention.ms back to its previous dynamic value, segment.ms (not set before) removed again.
    expect(await configsOf(h.admin, 'topic', topic)).to.deep.equal({ 'max.message.bytes': '2097152', 'retention.ms': '86400000' });
    expect(await h.revert('kafka.setTopicConfig', params, { prior: result.prior, applied: result.applied })).to.deep.equal({ status: 'already-reverted' });
  });

  it('leaves a key changed behind its back alone and reports the conflict', async () => {
    const topic = await createTopic(cluster);
    const params = { topic, configs: { 'retention.ms': '7200000', 'retention.bytes': '1073741824' } };
    const result = await h.execute('kafka.setTopicConfig', params);
    await h.admin.incrementalAlterConfigs({ type: 'topic', name: topic }, [{ name: 'retention.ms', op: 'set', value: '9000000' }]);
    expect(await configsOf(h.admin, 'topic', topic, ['retention.ms'])).to.deep.equal({ 'retention.ms': '9000000' });

    const outcome = await h.revert('kafka.setTopicConfig', params, { prior: result.prior, applied: result.applied });
    expect(outcome.status).to.equal('conflict');
    expect(outcome).to.deep.include({ conflicts: [{ resource: `topic:${topic}`, key: 'retention.ms', expected: '7200000', actual: '9000000' }] });
    expect(await configsOf(h.admin, 'topic', topic)).to.deep.equal({ 'retention.ms': '9000000' });
  });

  it('refuses internal and protected topics, in plan and execute', async () => {
    const protectedTopic = await createTopic(cluster, { prefix: 'protected-orders' });
    for (const topic of ['__consumer_offsets', protectedTopic]) {
      for (const call of [h.plan('kafka.setTopicConfig', { topic, configs: { 'retention.ms': 86_400_000 } }), h.execute('kafka.setTopicConfig', { topic, configs: { 'retention.ms': 86_400_000 } })]) {
        const err = await rejection(call);
        expect(err.code, topic).to.equal('ACTION_PROTECTED_RESOURCE');
        expect(err.statusCode).to.equal(403);
      }
    }
    expect(await configsOf(h.admin, 'topic', protectedTopic)).to.deep.equal({});
  });

  it('refuses a retention below the floor, in plan and execute', async () => {
    const topic = await createTopic(cluster);
    for (const call of [h.plan('kafka.setTopicConfig', { topic, configs: { 'retention.ms': 1000 } }), h.execute('kafka.setTopicConfig', { topic, configs: { 'retention.ms': '59999' } })]) {
      const err = await rejection(call);
      expect(err.code).to.equal('ACTION_BELOW_FLOOR');
      expect(err.details).to.deep.include({ floor: 60_000 });
    }
    expect(await configsOf(h.admin, 'topic', topic)).to.deep.equal({});
  });

  it('shows in a dry run that the broker rejects an unknown config key', async () => {
    const topic = await createTopic(cluster);
    const err = await rejection(h.plan('kafka.setTopicConfig', { topic, configs: { 'retention.msec': '3600000' } }));
    expect(err.code).to.equal('ACTION_BROKER_REJECTED');
    expect(err.details?.['brokerCode']).to.match(/^KAFKA_/);
    expect(await configsOf(h.admin, 'topic', topic)).to.deep.equal({});
  });

  it('refuses to revert a hand-written record that targets a protected topic', async () => {
    const record = { resources: [{ type: 'topic', name: '__consumer_offsets', configs: { 'retention.ms': null } }] };
    const err = await rejection(h.revert('kafka.setTopicConfig', { topic: 'x', configs: { a: '1' } }, { prior: record, applied: { resources: [{ ...record.resources[0], configs: { 'retention.ms': '1' } }] } }));
    expect(err.code).to.equal('ACTION_PROTECTED_RESOURCE');
  });
});
