import { expect } from 'chai';
import { createTopic, useKafka, type Cluster } from '../../support/kafka.ts';
import { actionHarness, configsOf, rejection, type Harness } from './harness.ts';

const RATES = ['leader.replication.throttled.rate', 'follower.replication.throttled.rate'];

describe('replication throttle action against a real cluster', function () {
  this.timeout(90_000);
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

  it('throttles every broker and the named topics\' replicas, then restores each key\'s prior state', async () => {
    const ids = (await h.admin.describeCluster()).brokers.map((b) => b.nodeId).sort((a, b) => a - b);
    const [first] = ids as [number];
    // One broker already has a throttle rate set by hand: revert must put it back, not delete it.
    await h.admin.incrementalAlterConfigs({ type: 'broker', name: String(first) }, [{ name: 'leader.replication.throttled.rate', op: 'set', value: '77777777' }]);
    expect(await configsOf(h.admin, 'broker', String(first), RATES)).to.deep.equal({ 'leader.replication.throttled.rate': '77777777' });
    const wildcard = await createTopic(cluster, { partitions: 2 });
    const explicit = await createTopic(cluster, { partitions: 2 });
    const params = { rateBytesPerSecond: 5_000_000, topics: [wildcard, { name: explicit, leader: ['0:1', '1:2'] }] };

    const plan = await h.plan('kafka.setReplicationThrottle', params);
    expect(plan.changes).to.deep.include({ resource: `broker:${first}`, key: 'leader.replication.throttled.rate', from: '77777777', to: '5000000' });
    expect(plan.touches.topics).to.deep.equal([wildcard, explicit]);

    const result = await h.execute('kafka.setReplicationThrottle', params);
    expect(result.output).to.deep.equal({ rateBytesPerSecond: 5_000_000, brokers: ids, topics: [wildcard, explicit] });
    for (const id of ids) {
      const rates = { 'leader.replication.throttled.rate': '5000000', 'follower.replication.throttled.rate': '5000000' };
      expect(await configsOf(h.admin, 'broker', String(id), RATES)).to.deep.equal(rates);
    }
    expect(await configsOf(h.admin, 'topic', wildcard)).to.deep.equal({
      'leader.replication.throttled.replicas': '*',
      'follower.replication.throttled.replicas': '*',
    });
    expect(await configsOf(h.admin, 'topic', explicit)).to.deep.equal({ 'leader.replication.throttled.replicas': '0:1,1:2' });

    const outcome = await h.revert('kafka.setReplicationThrottle', params, { prior: result.prior, applied: result.applied });
    expect(outcome.status).to.equal('reverted');
    expect(await configsOf(h.admin, 'broker', String(first), RATES)).to.deep.equal({ 'leader.replication.throttled.rate': '77777777' });
    for (const id of ids.slice(1)) expect(await configsOf(h.admin, 'broker', String(id), RATES)).to.deep.equal({});
    expect(await configsOf(h.admin, 'topic', wildcard)).to.deep.equal({});
    expect(await configsOf(h.admin, 'topic', explicit)).to.deep.equal({});
    expect(await h.revert('kafka.setReplicationThrottle', params, { prior: result.prior, applied: result.applied })).to.deep.equal({ status: 'already-reverted' });

    await h.admin.incrementalAlterConfigs({ type: 'broker', name: String(first) }, [{ name: 'leader.replication.throttled.rate', op: 'delete' }]);
    expect(await configsOf(h.admin, 'broker', String(first), RATES)).to.deep.equal({});
  });

  it('throttles only the named brokers and refuses ones the cluster does not have', async () => {
    const ids = (await h.admin.describeCluster()).brokers.map((b) => b.nodeId).sort((a, b) => a - b);
    const last = ids[ids.length - 1] as number;
    const params = { rateBytesPerSecond: 2_000_000, brokers: [last] };
    const result = await h.execute('kafka.setReplicationThrottle', params);
    const rates = { 'leader.replication.throttled.rate': '2000000', 'follower.replication.throttled.rate': '2000000' };
    expect(await configsOf(h.admin, 'broker', String(last), RATES)).to.deep.equal(rates);
    expect(await configsOf(h.admin, 'broker', String(ids[0]), RATES)).to.deep.equal({});
    expect((await h.revert('kafka.setReplicationThrottle', params, { prior: result.prior, applied: result.applied })).status).to.equal('reverted');

    const err = await rejection(h.plan('kafka.setReplicationThrottle', { rateBytesPerSecond: 2_000_000, brokers: [999] }));
    expect(err.code).to.equal('ACTION_PARAMS_INVALID');
    expect(err.message).to.include('/brokers/0: broker 999 is not in the cluster');
  });

  it('refuses a rate below the floor and protected topics', async () => {
    expect((await rejection(h.execute('kafka.setReplicationThrottle', { rateBytesPerSecond: 0 }))).code).to.equal('ACTION_BELOW_FLOOR');
    expect((await rejection(h.plan('kafka.setReplicationThrottle', { rateBytesPerSecond: 5_000_000, topics: ['__consumer_offsets'] }))).code).to.equal(
      'ACTION_PROTECTED_RESOURCE',
    );
    const ids = (await h.admin.describeCluster()).brokers.map((b) => b.nodeId);
    for (const id of ids) expect(await configsOf(h.admin, 'broker', String(id), RATES)).to.deep.equal({});
  });
});
