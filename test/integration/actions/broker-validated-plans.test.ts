/**
 * Plans are validated by the broker (`validateOnly`): a change the broker would refuse shows as
 * refused in the plan, with the broker's own message, and nothing changes, for quotas
 * (AlterClientQuotas) and configs (IncrementalAlterConfigs); the engine blocks such a step with
 * `broker-rejected`, in dry-run mode too.
 */
import { expect } from 'chai';
import { createTopic, uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { engineAlert, startEngineApp, type EngineApp } from '../engine/engine-app.ts';
import { actionHarness, configsOf, quotaOf, rejection, type Harness } from './harness.ts';

describe('broker-validated plans (validateOnly)', function () {
  this.timeout(120_000);
  let cluster: Cluster;
  let h: Harness;

  before(async function () {
    this.timeout(240_000);
    cluster = await useKafka();
    h = actionHarness(cluster);
  });
  after(async () => {
    await h?.close();
  });

  it('a quota the broker refuses is refused in the plan with the broker message, and nothing is set', async () => {
    const client = uniqueName('producer');
    const err = await rejection(h.plan('kafka.setClientQuota', { entity: { 'client-id': client }, producerByteRate: 1e20 }));
    expect(err.code).to.equal('ACTION_BROKER_REJECTED');
    expect(err.details).to.deep.include({ resource: `quota:client-id=${client}`, brokerCode: 'KAFKA_INVALID_REQUEST' });
    expect(String(err.details?.['brokerMessage'])).to.contain('too large for a LONG');
    expect(await quotaOf(h.admin, { 'client-id': client })).to.deep.equal({});
  });

  it('a throttle of several producers is validated as one request', async () => {
    const err = await rejection(h.plan('kafka.throttleProducers', { clientIds: [uniqueName('p'), uniqueName('p')], producerByteRate: 1e20 }));
    expect(err.code).to.equal('ACTION_BROKER_REJECTED');
  });

  it('an unknown topic config key is refused in the plan with the broker message, and the topic keeps its configs', async () => {
    const topic = await createTopic(cluster);
    const err = await rejection(h.plan('kafka.setTopicConfig', { topic, configs: { 'retention.mss': 1000 } }));
    expect(err.code).to.equal('ACTION_BROKER_REJECTED');
    expect(err.details).to.deep.include({ resource: `topic:${topic}` });
    expect(String(err.details?.['brokerMessage'])).to.match(/retention\.mss/);
    expect(await configsOf(h.admin, 'topic', topic, ['retention.mss', 'retention.ms'])).to.not.have.property('retention.mss');
  });

  it('a valid change still plans (validation changes nothing)', async () => {
    const client = uniqueName('producer');
    const plan = await h.plan('kafka.setClientQuota', { entity: { 'client-id': client }, producerByteRate: 1_048_576 });
    expect(plan.changes).to.have.length(1);
    expect(await quotaOf(h.admin, { 'client-id': client })).to.deep.equal({});
  });

  it('the engine blocks the step with broker-rejected and the broker message, in dry-run mode', async () => {
    const app: EngineApp = await startEngineApp(cluster, { mode: 'dry-run' });
    try {
      const client = uniqueName('producer');
      await app.post(engineAlert('EngineTestBrokerRejects', client, 'firing'));
      const id = await app.incidentByKey(`engine-broker-rejects{client="${client}"}`);
      const blocked = await app.waitForEntry(id, (e) => e.kind === 'step.blocked', 'the blocked step');
      expect(blocked.data.decision).to.deep.include({ verdict: 'block', reason: 'broker-rejected' });
      expect((blocked.data.decision as { detail: string }).detail).to.contain('too large for a LONG');
      expect(await quotaOf(app.admin!, { 'client-id': client })).to.deep.equal({});
    } finally {
      await app.close();
    }
  });
});
