/**
 * Approvals through the HTTP API against a real cluster: the step waits (listed on the incident
 * and in the gauge), approved it runs, rejected it does not, expired it does not.
 */
import { expect } from 'chai';
import { TOKENS, postAlerts } from '../http/harness.ts';
import { quotaOf, quotaSettled } from '../actions/harness.ts';
import { waitFor } from '../../support/eventually.ts';
import { uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { engineAlert, startEngineApp, type EngineApp } from './engine-app.ts';

describe('engine: approvals through the API', function () {
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

  /** Posts a firing alert and waits until its step waits for an approval; returns the incident. */
  async function waiting(alertname: string, runbook: string, client: string): Promise<string> {
    const response = await postAlerts(h.baseUrl, engineAlert(alertname, client, 'firing'));
    expect(response.status).to.equal(200);
    await response.body?.cancel();
    const id = await h.incidentByKey(`${runbook}{client="${client}"}`);
    await h.waitForEntry(id, (e) => e.kind === 'approval.requested', 'the approval request');
    return id;
  }

  it('waits for an approval, lists it on the incident, and runs the step once approved', async () => {
    const client = uniqueName('producer');
    const id = await waiting('EngineTestApproval', 'engine-lag-approval', client);
    const detail = (await h.api('GET', `/api/v1/incidents/${id}`, { token: TOKENS.viewer })).body;
    expect(detail.approvals).to.have.length(1);
    expect(detail.approvals[0]).to.deep.include({ stepId: 'throttle', state: 'pending', action: 'kafka.setClientQuota' });
    expect(detail.approvals[0].plan.changes).to.deep.equal([{ resource: `quota:client-id=${client}`, key: 'producer_byte_rate', from: null, to: 1_048_576 }]);
    expect((await h.app.metrics.render()).body).to.match(/^firebreak_approvals_pending [1-9]/m);
    expect(await quotaOf(h.admin!, { 'client-id': client })).to.deep.equal({});

    const viewer = await h.api('POST', `/api/v1/incidents/${id}/steps/throttle/approve`, { token: TOKENS.viewer });
    expect([viewer.status, viewer.body.code]).to.deep.equal([403, 'AUTH_FORBIDDEN']);
    const approved = await h.api('POST', `/api/v1/incidents/${id}/steps/throttle/approve`, { body: { reason: 'the lag is real' } });
    expect(approved.status).to.equal(200);
    expect(approved.body).to.deep.include({ state: 'granted', decidedBy: 'alice', reason: 'the lag is real' });
    await h.waitForEntry(id, (e) => e.kind === 'step.succeeded' && e.data.stepId === 'throttle', 'the approved step');
    await quotaSettled(h.admin!, { 'client-id': client }, { producer_byte_rate: 1_048_576 });
    const granted = (await h.timeline(id)).find((e) => e.kind === 'approval.granted')!;
    expect(granted.actor).to.equal('alice');
    expect((await h.api('GET', `/api/v1/incidents/${id}`)).body.approvals).to.deep.equal([]);
    const again = await h.api('POST', `/api/v1/incidents/${id}/steps/throttle/approve`);
    expect([again.status, again.body.code]).to.deep.equal([409, 'ENGINE_APPROVAL_NOT_PENDING']);
  });

  it('does not run a rejected step', async () => {
    const client = uniqueName('producer');
    const id = await waiting('EngineTestApproval', 'engine-lag-approval', client);
    const rejected = await h.api('POST', `/api/v1/incidents/${id}/steps/throttle/reject`, { body: { reason: 'not during the sale' } });
    expect(rejected.status).to.equal(200);
    expect(rejected.body).to.deep.include({ state: 'rejected', decidedBy: 'alice' });
    const blocked = await h.waitForEntry(id, (e) => e.kind === 'step.blocked', 'the blocked step');
    expect(blocked.data.decision).to.deep.include({ reason: 'approval-rejected' });
    expect(await quotaOf(h.admin!, { 'client-id': client })).to.deep.equal({});
  });

  it('does not run a step whose approval expired, and refuses a late approval', async () => {
    const client = uniqueName('producer');
    const id = await waiting('EngineTestApprovalExpiring', 'engine-lag-approval-expiring', client);
    await h.waitForEntry(id, (e) => e.kind === 'approval.expired', 'the expiry', 15_000);
    const blocked = await h.waitForEntry(id, (e) => e.kind === 'step.blocked', 'the blocked step');
    expect(blocked.data.decision).to.deep.include({ reason: 'approval-expired' });
    const late = await h.api('POST', `/api/v1/incidents/${id}/steps/throttle/approve`);
    expect([late.status, late.body.code]).to.deep.equal([409, 'ENGINE_APPROVAL_NOT_PENDING']);
    expect(await quotaOf(h.admin!, { 'client-id': client })).to.deep.equal({});
    await waitFor('no pending approval', async () => ((await h.api('GET', `/api/v1/incidents/${id}`)).body.approvals.length === 0 ? true : undefined), {
      timeoutMs: 10_000,
    });
  });

  it('answers 404 for a step with no approval', async () => {
    const client = uniqueName('producer');
    const id = await waiting('EngineTestApproval', 'engine-lag-approval', client);
    const missing = await h.api('POST', `/api/v1/incidents/${id}/steps/nope/approve`);
    expect([missing.status, missing.body.code]).to.deep.equal([404, 'ENGINE_APPROVAL_NOT_FOUND']);
    const unknown = await h.api('POST', '/api/v1/incidents/INC-0000000000000000/steps/throttle/approve');
    expect([unknown.status, unknown.body.code]).to.deep.equal([404, 'NOT_FOUND']);
  });
});
