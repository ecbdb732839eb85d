/**
 * Against a real cluster: in dry-run mode nothing changes and the timeline shows the plan; in
 * enforce mode a runbook aiming at `__consumer_offsets` or below the quota floor is blocked
 * before anything reaches the broker.
 */
import { expect } from 'chai';
import { postAlerts } from '../http/harness.ts';
import { quotaOf, quotaSettled } from '../actions/harness.ts';
import { uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { engineAlert, startEngineApp, stepEntries, type EngineApp } from './engine-app.ts';

async function post(h: EngineApp, body: unknown): Promise<void> {
  const response = await postAlerts(h.baseUrl, body);
  expect(response.status).to.equal(200);
  await response.body?.cancel();
}

describe('engine: dry-run mode against a real cluster', function () {
  this.timeout(120_000);
  let kafka: Cluster;
  let h: EngineApp;
  before(async function () {
    this.timeout(240_000);
    kafka = await useKafka();
    h = await startEngineApp(kafka, { mode: 'dry-run' });
  });
  after(async () => {
    await h?.close();
  });

  it('plans the change, shows it on the timeline with the live values, and changes nothing', async () => {
    const client = uniqueName('producer');
    await h.admin!.alterClientQuotas([{ entity: { 'client-id': client }, set: { producer_byte_rate: 9_000_000 } }]);
    await quotaSettled(h.admin!, { 'client-id': client }, { producer_byte_rate: 9_000_000 });
    await post(h, engineAlert('EngineTestLag', client, 'firing'));
    const id = await h.incidentByKey(`engine-lag-throttle{client="${client}"}`);
    const planned = await h.waitForEntry(id, (e) => e.kind === 'step.planned', 'the planned step');
    expect(planned.data.decision).to.deep.include({ verdict: 'dry-run', reason: 'mode-dry-run' });
    expect(planned.data.params).to.deep.equal({ entity: { 'client-id': client }, producerByteRate: 1_048_576 });
    expect((planned.data.plan as { changes: unknown[] }).changes).to.deep.equal([
      { resource: `quota:client-id=${client}`, key: 'producer_byte_rate', from: 9_000_000, to: 1_048_576 },
    ]);
    // Read-only evidence still runs in dry-run mode.
    await h.waitForEntry(id, (e) => e.kind === 'run.finished', 'the run to finish');
    expect(stepEntries(await h.timeline(id), 'step.succeeded', 'cluster')).to.have.length(1);
    await quotaSettled(h.admin!, { 'client-id': client }, { producer_byte_rate: 9_000_000 });
    expect((await h.api('GET', `/api/v1/incidents/${id}`)).body.incident.status).to.equal('open');
    expect((await h.api('GET', '/api/v1/automation')).body).to.deep.include({ mode: 'dry-run', paused: false });
  });
});

describe('engine: guards against a real cluster', function () {
  this.timeout(120_000);
  let kafka: Cluster;
  let h: EngineApp;
  before(async function () {
    this.timeout(240_000);
    kafka = await useKafka();
    h = await startEngineApp(kafka, { mode: 'enforce' });
  });
  after(async () => {
    await h?.close();
  });

  it('blocks a runbook that targets __consumer_offsets before anything reaches the broker', async () => {
    const client = uniqueName('producer');
    await post(h, engineAlert('EngineTestProtected', client, 'firing'));
    const id = await h.incidentByKey(`engine-protected-topic{client="${client}"}`);
    const blocked = await h.waitForEntry(id, (e) => e.kind === 'step.blocked', 'the blocked step');
    expect(blocked.data.decision).to.deep.include({ verdict: 'block', reason: 'protected-resource' });
    // The action refused to even plan it (ACTION_PROTECTED_RESOURCE): nothing was claimed or sent.
    expect((blocked.data.planError as { code: string }).code).to.equal('ACTION_PROTECTED_RESOURCE');
    expect(await h.store.stepClaims({ incidentId: id })).to.deep.equal([]);
    expect((await h.api('GET', `/api/v1/incidents/${id}`)).body.incident.status).to.equal('open');
  });

  it('blocks a quota below the floor, and sets nothing', async () => {
    const client = uniqueName('producer');
    await post(h, engineAlert('EngineTestFloor', client, 'firing'));
    const id = await h.incidentByKey(`engine-below-floor{client="${client}"}`);
    const blocked = await h.waitForEntry(id, (e) => e.kind === 'step.blocked', 'the blocked step');
    expect(blocked.data.decision).to.deep.equal({ verdict: 'block', reason: 'floor', detail: 'quota 1024 B/s is below the floor of 65536 B/s' });
    expect(await quotaOf(h.admin!, { 'client-id': client })).to.deep.equal({});
    expect((await h.store.runs({ incidentId: id }))[0]?.status).to.equal('blocked');
  });
});
