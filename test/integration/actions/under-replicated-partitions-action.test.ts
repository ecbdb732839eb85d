import { expect } from 'chai';
import type { UnderReplicatedOutput } from '../../../src/actions/kafka/actions/under-replicated-partitions.ts';
import { eventually } from '../../support/eventually.ts';
import { createTopic, useKafka, type Cluster } from '../../support/kafka.ts';
import { SETTLED, accepting, actionHarness, type Harness } from './harness.ts';

describe('under-replicated partitions action with a broker down', function () {
  this.timeout(180_000);
  let cluster: Cluster;
  let h: Harness;
  let stoppedBroker: number | undefined;

  before(async function () {
    cluster = await useKafka();
    h = actionHarness(cluster);
  });

  after(async () => {
    // Whatever happened, give the shared cluster its broker back before the next test file.
    if (stoppedBroker !== undefined) await cluster.startBroker(stoppedBroker);
    await h?.close();
  });

  it('names the partitions and the missing replica while a broker is stopped, and nothing once it is back', async () => {
    const topic = await createTopic(cluster, { partitions: 3, replicationFactor: 3 });
    const urp = async () => (await h.execute('kafka.underReplicatedPartitions', { topics: [topic] })).output as UnderReplicatedOutput;
    expect((await urp()).count).to.equal(0);

    const victim = Math.max(...cluster.brokers.map((b) => b.nodeId));
    stoppedBroker = victim;
    await cluster.stopBroker(victim);

    const down = await eventually(accepting(urp, (u) => u.count === 3), { ...SETTLED, what: `3 under-replicated partitions of ${topic}`, timeoutMs: 60_000 });
    expect(down.partitions.map((p) => [p.partition, p.missing, p.offline])).to.deep.equal([
      [0, [victim], false],
      [1, [victim], false],
      [2, [victim], false],
    ]);
    expect(down.brokers).to.deep.equal([{ brokerId: victim, missing: 3 }]);
    expect(down.topicCount).to.equal(1);

    await cluster.startBroker(victim);
    stoppedBroker = undefined;
    const healed = await eventually(accepting(urp, (u) => u.count === 0), { ...SETTLED, what: 'ISR complete again', timeoutMs: 90_000 });
    expect(healed.brokers).to.deep.equal([]);
  });
});
