/**
 * A consumer-lag notification in enforce mode, end to end through the HTTP API against a real
 * cluster: the quota is set on the broker, the resolved notification restores exactly what was
 * there before, and the timeline tells both. Duplicates, a flapping alert, a value changed
 * behind firebreak's back.
 */
import { expect } from 'chai';
import { quotaSettled } from '../actions/harness.ts';
import { uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { engineAlert, startEngineApp, stepEntries, type EngineApp } from './engine-app.ts';

const LAG = 'EngineTestLag';
const key = (client: string) => `engine-lag-throttle{client="${client}"}`;

describe('engine: quota containment against a real cluster', function () {
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

  it('sets the quota while the alert fires and removes it when it resolves; the timeline tells both', async () => {
    const client = uniqueName('producer');
    await h.post(engineAlert(LAG, client, 'firing'));
    const id = await h.incidentByKey(key(client));
    const succeeded = await h.waitForEntry(id, (e) => e.kind === 'step.succeeded' && e.data.stepId === 'throttle', 'the throttle step');
    await quotaSettled(h.admin!, { 'client-id': client }, { producer_byte_rate: 1_048_576 });
    expect(succeeded.phase).to.equal('containment');
    expect(succeeded.data.prior).to.deep.equal({ entity: { 'client-id': client }, values: { producer_byte_rate: null } });
    expect((await h.api('GET', `/api/v1/incidents/${id}`)).body.incident.status).to.equal('contained');

    await h.post(engineAlert(LAG, client, 'resolved'));
    await h.waitForEntry(id, (e) => e.kind === 'incident.status' && e.data.to === 'recovered', 'recovery');
    await quotaSettled(h.admin!, { 'client-id': client }, {});
    const timeline = await h.timeline(id);
    const kinds = timeline.map((e) => e.kind);
    expect(kinds).to.include.members(['runbook.matched', 'step.started', 'step.succeeded', 'revert.started', 'revert.succeeded', 'run.finished', 'action-item.added']);
    const reverted = timeline.find((e) => e.kind === 'revert.succeeded')!;
    expect(reverted.data.changes).to.deep.equal([{ resource: `quota:client-id=${client}`, key: 'producer_byte_rate', from: 1_048_576, to: null }]);
    expect(stepEntries(timeline, 'step.succeeded', 'verify')).to.have.length(1);
    const detail = (await h.api('GET', `/api/v1/incidents/${id}`)).body;
    expect(detail.incident.status).to.equal('recovered');
    expect(detail.figures.timeToContain).to.be.a('number');
    expect(detail.actionItems.map((i: { title: string }) => i.title)).to.deep.equal([`Find out why ${client} outran its consumers`]);
  });

  it('restores the exact prior quota when one existed', async () => {
    const client = uniqueName('producer');
    await h.admin!.alterClientQuotas([{ entity: { 'client-id': client }, set: { producer_byte_rate: 5_000_000, consumer_byte_rate: 7_000_000 } }]);
    await quotaSettled(h.admin!, { 'client-id': client }, { producer_byte_rate: 5_000_000, consumer_byte_rate: 7_000_000 });
    await h.post(engineAlert(LAG, client, 'firing'));
    const id = await h.incidentByKey(key(client));
    await h.waitForEntry(id, (e) => e.kind === 'step.succeeded' && e.data.stepId === 'throttle', 'the throttle step');
    await quotaSettled(h.admin!, { 'client-id': client }, { producer_byte_rate: 1_048_576, consumer_byte_rate: 7_000_000 });
    await h.post(engineAlert(LAG, client, 'resolved'));
    await h.waitForEntry(id, (e) => e.kind === 'revert.succeeded', 'the revert');
    await quotaSettled(h.admin!, { 'client-id': client }, { producer_byte_rate: 5_000_000, consumer_byte_rate: 7_000_000 });
  });

  it('runs each step once when the same notification arrives three times', async () => {
    const client = uniqueName('producer');
    const body = engineAlert(LAG, client, 'firing');
    for (let i = 0; i < 3; i++) await h.post(body);
    const id = await h.incidentByKey(key(client));
    await h.waitForEntry(id, (e) => e.kind === 'run.finished', 'the run to finish');
    await h.app.pipeline.idle();
    await h.app.engine!.idle();
    const timeline = await h.timeline(id);
    expect(stepEntries(timeline, 'step.started', 'throttle')).to.have.length(1);
    expect(stepEntries(timeline, 'step.started', 'cluster')).to.have.length(1);
    expect(timeline.filter((e) => e.kind === 'run.started')).to.have.length(1);
    expect(timeline.filter((e) => e.kind === 'alert.firing')).to.have.length(1);
  });

  it('blocks a re-fire inside the cooldown, with reason cooldown, and leaves the broker alone', async () => {
    const client = uniqueName('producer');
    await h.post(engineAlert(LAG, client, 'firing', '2026-03-01T10:00:00Z'));
    const id = await h.incidentByKey(key(client));
    await h.waitForEntry(id, (e) => e.kind === 'step.succeeded' && e.data.stepId === 'throttle', 'the throttle step');
    // A person lifts it (not firebreak's release: a re-fire is then no "released too early").
    expect((await h.api('POST', `/api/v1/incidents/${id}/revert`, { body: {} })).status).to.equal(200);
    await quotaSettled(h.admin!, { 'client-id': client }, {});
    await h.post(engineAlert(LAG, client, 'resolved', '2026-03-01T10:00:00Z'));
    await h.post(engineAlert(LAG, client, 'firing', '2026-03-01T10:30:00Z'));
    const blocked = await h.waitForEntry(id, (e) => e.kind === 'step.blocked', 'the blocked step');
    expect(blocked.data).to.deep.include({ stepId: 'throttle' });
    expect(blocked.data.decision).to.deep.include({ verdict: 'block', reason: 'cooldown' });
    await quotaSettled(h.admin!, { 'client-id': client }, {});
    expect((await h.app.metrics.render()).body).to.match(/firebreak_guard_decisions_total\{reason="cooldown"\} [1-9]/);
  });

  it('does not clobber a value changed behind its back: the revert reports a conflict', async () => {
    const client = uniqueName('producer');
    await h.post(engineAlert(LAG, client, 'firing'));
    const id = await h.incidentByKey(key(client));
    await h.waitForEntry(id, (e) => e.kind === 'step.succeeded' && e.data.stepId === 'throttle', 'the throttle step');
    await quotaSettled(h.admin!, { 'client-id': client }, { producer_byte_rate: 1_048_576 });
    // An operator raises the quota by hand during the incident.
    await h.admin!.alterClientQuotas([{ entity: { 'client-id': client }, set: { producer_byte_rate: 3_000_000 } }]);
    await quotaSettled(h.admin!, { 'client-id': client }, { producer_byte_rate: 3_000_000 });
    await h.post(engineAlert(LAG, client, 'resolved'));
    const conflict = await h.waitForEntry(id, (e) => e.kind === 'revert.conflict', 'the conflict');
    expect(conflict.data.conflicts).to.deep.equal([{ resource: `quota:client-id=${client}`, key: 'producer_byte_rate', expected: 1_048_576, actual: 3_000_000 }]);
    await quotaSettled(h.admin!, { 'client-id': client }, { producer_byte_rate: 3_000_000 });
    expect((await h.api('GET', `/api/v1/incidents/${id}`)).body.incident.status).to.equal('resolved');
  });
});
