/**
 * `kafka.consumerGroupLag` classifies a real group's lag from a short sample: each class comes
 * from a real group behaving that way on the shared cluster. A group that does not exist is an
 * error, not "lag 0".
 */
import { expect } from 'chai';
import { createTopic, uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { commitOffsets, produce } from '../kafka/admin-support.ts';
import { actionHarness, rejection, type Harness } from './harness.ts';
import { consumeSlowly, produceSteadily } from './kafka-clients.ts';

interface LagOutput {
  class: string;
  members: number;
  totalLag: number;
  topics: Array<{ topic: string; class: string; reason: string; consumeRate: number; produceRate: number; lagFirst: number; lagLast: number; hotPartitions: Array<{ partition: number }>; samples: unknown[] }>;
}

describe('kafka.consumerGroupLag: the kind of lag, from real groups', function () {
  this.timeout(90_000);
  let cluster: Cluster;
  let h: Harness;
  const stops: Array<() => Promise<void>> = [];

  before(async function () {
    this.timeout(240_000);
    cluster = await useKafka();
    h = actionHarness(cluster);
  });
  afterEach(async () => {
    while (stops.length > 0) await stops.pop()?.();
  });
  after(async () => {
    await h?.close();
  });

  async function lagOf(group: string, topic: string, sample = '4s'): Promise<LagOutput> {
    const { output } = await h.execute('kafka.consumerGroupLag', { group, topics: [topic], sample, samples: 3 });
    return output as LagOutput;
  }

  it('empty-group: offsets committed, no consumer running', async () => {
    const topic = await createTopic(cluster);
    await produce(cluster, topic, 50, 100, 0);
    const group = uniqueName('group');
    await commitOffsets(cluster, group, topic, [{ partition: 0, offset: '10' }]);
    const out = await lagOf(group, topic, '1s');
    expect(out).to.deep.include({ class: 'empty-group', members: 0, totalLag: 40 });
    expect(out.topics[0]).to.deep.include({ class: 'empty-group', lagLast: 40 });
  });

  it('stalled: a member that never commits while producers write', async () => {
    const topic = await createTopic(cluster);
    const group = uniqueName('group');
    const producer = await produceSteadily(cluster, topic, [0], 100);
    stops.push(producer.stop);
    stops.push((await consumeSlowly(cluster, group, topic, { perMessageMs: 0, commitEveryMs: 0 })).stop);
    const out = await lagOf(group, topic);
    expect(out.class).to.equal('stalled');
    expect(out.topics[0]?.consumeRate).to.equal(0);
    expect(out.topics[0]?.produceRate).to.be.greaterThan(0);
    expect(out.topics[0]?.samples).to.have.length(3);
  });

  it('falling-behind: a member that commits, slower than producers write', async () => {
    const topic = await createTopic(cluster);
    const group = uniqueName('group');
    stops.push((await produceSteadily(cluster, topic, [0], 200)).stop);
    stops.push((await consumeSlowly(cluster, group, topic, { perMessageMs: 20, commitEveryMs: 300 })).stop);
    const out = await lagOf(group, topic);
    const t = out.topics[0]!;
    expect(out.class, t.reason).to.equal('falling-behind');
    expect(t.consumeRate).to.be.greaterThan(0).and.lessThan(t.produceRate);
    expect(t.lagLast).to.be.greaterThan(t.lagFirst);
  });

  it('catching-up: a member that reads a backlog faster than anything is written', async () => {
    const topic = await createTopic(cluster);
    await produce(cluster, topic, 3000, 100, 0);
    const group = uniqueName('group');
    stops.push((await consumeSlowly(cluster, group, topic, { perMessageMs: 1, commitEveryMs: 300 })).stop);
    const out = await lagOf(group, topic);
    const t = out.topics[0]!;
    expect(out.class, t.reason).to.equal('catching-up');
    expect(t.lagLast).to.be.lessThan(t.lagFirst);
  });

  it('hot-partition: one partition of four is not read while the others keep up', async () => {
    const topic = await createTopic(cluster, { partitions: 4 });
    await produce(cluster, topic, 2000, 100, 0);
    const group = uniqueName('group');
    stops.push((await produceSteadily(cluster, topic, [1, 2, 3], 60)).stop);
    stops.push((await consumeSlowly(cluster, group, topic, { perMessageMs: 0, commitEveryMs: 300, paused: [0] })).stop);
    const out = await lagOf(group, topic);
    const t = out.topics[0]!;
    expect(out.class, t.reason).to.equal('hot-partition');
    expect(t.hotPartitions.map((p) => p.partition)).to.deep.equal([0]);
  });

  it('a group that does not exist is an error, not lag 0', async () => {
    const group = uniqueName('nobody');
    const err = await rejection(h.execute('kafka.consumerGroupLag', { group, sample: '1s' }));
    expect(err.code).to.equal('ACTION_GROUP_NOT_FOUND');
    expect(err.message).to.contain(group);
  });
});
