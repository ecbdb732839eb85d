/** Steps with `approval: required` park the run until a responder decides, or the approval expires. */
import { expect } from 'chai';
import { engineEnv, onlyIncident, type EngineEnv } from './support/engine-env.ts';
import { lagNotification } from './support/alerts.ts';

const APPROVAL_RUNBOOK = `
name: gated
description: A change that needs a responder's approval.
match: ['alertname="Lag"']
groupBy: [group]
steps:
  - id: lag
    phase: identification
    action: test.read
    with: { key: "lag" }
  - id: throttle
    phase: containment
    action: test.quota
    with: { client: "loadgen", rate: 1048576 }
    approval: required
    approvalTimeout: 30m
  - id: after
    phase: identification
    action: test.read
    with: { key: "after" }
`;

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as { code: string }).code;
  }
  return 'no error';
}

describe('engine: approvals', () => {
  let env: EngineEnv;
  let id: string;
  beforeEach(async () => {
    env = await engineEnv([APPROVAL_RUNBOOK]);
    await env.deliver(lagNotification());
    id = await onlyIncident(env.store);
  });
  afterEach(async () => {
    await env.close();
  });

  it('parks the run on the step, with the plan and expiry on the timeline and in the gauge', async () => {
    expect(env.system.values.has('quota:loadgen')).to.equal(false);
    expect(env.system.calls).to.not.include('execute test.read after');
    const [run] = await env.store.runs({ incidentId: id });
    expect(run?.status).to.equal('waiting-approval');
    const requested = (await env.timeline(id)).find((e) => e.kind === 'approval.requested')!;
    expect(requested.data).to.deep.include({ stepId: 'throttle', expiresAt: '2026-03-01T10:31:00.000Z', params: { client: 'loadgen', rate: 1048576 } });
    expect((requested.data.decision as { reason: string }).reason).to.equal('approval-required');
    expect((await env.store.approvals({ incidentId: id, state: ['pending'] })).map((a) => a.stepId)).to.deep.equal(['throttle']);
    expect((await env.metrics.render()).body).to.match(/^firebreak_approvals_pending 1$/m);
  });

  it('runs the step once approved, through the guards again, then the rest of the run', async () => {
    env.clock.advance(60_000);
    const approval = await env.engine.decide(id, 'throttle', 'granted', 'alice', 'lag is real');
    expect(approval).to.include({ state: 'granted', decidedBy: 'alice', decidedAt: '2026-03-01T10:02:00.000Z' });
    await env.engine.idle();
    expect(env.system.values.get('quota:loadgen')).to.equal(1_048_576);
    expect(env.system.calls).to.include('execute test.read after');
    const timeline = await env.timeline(id);
    const granted = timeline.find((e) => e.kind === 'approval.granted')!;
    expect(granted.actor).to.equal('alice');
    expect(granted.data).to.deep.include({ stepId: 'throttle', decidedBy: 'alice', reason: 'lag is real' });
    expect(timeline.find((e) => e.kind === 'step.started' && e.data.stepId === 'throttle')?.data.decision).to.deep.include({ reason: 'allowed' });
    expect((await env.metrics.render()).body).to.match(/^firebreak_approvals_pending 0$/m);
    expect((await env.store.runs({ incidentId: id }))[0]?.status).to.equal('succeeded');
    expect(await failure(env.engine.decide(id, 'throttle', 'rejected', 'bob'))).to.equal('ENGINE_APPROVAL_NOT_PENDING');
  });

  it('blocks the step once rejected, and the run goes on without it', async () => {
    await env.engine.decide(id, 'throttle', 'rejected', 'bob', 'not during the sale');
    await env.engine.idle();
    expect(env.system.values.has('quota:loadgen')).to.equal(false);
    const timeline = await env.timeline(id);
    expect(timeline.find((e) => e.kind === 'approval.rejected')?.actor).to.equal('bob');
    expect(timeline.find((e) => e.kind === 'step.blocked')?.data.decision).to.deep.include({ verdict: 'block', reason: 'approval-rejected' });
    expect(env.system.calls).to.include('execute test.read after');
  });

  it('expires an approval nobody answered in time, on the engine tick, and does not run the step', async () => {
    env.clock.advance(29 * 60_000);
    expect(await env.engine.tick()).to.equal(0);
    env.clock.advance(60_000);
    expect(await env.engine.tick()).to.equal(1);
    await env.engine.idle();
    expect(env.system.values.has('quota:loadgen')).to.equal(false);
    const timeline = await env.timeline(id);
    expect(timeline.find((e) => e.kind === 'approval.expired')?.data).to.deep.include({ stepId: 'throttle' });
    expect(timeline.find((e) => e.kind === 'step.blocked')?.data.decision).to.deep.include({ reason: 'approval-expired' });
    expect(await failure(env.engine.decide(id, 'throttle', 'granted', 'alice'))).to.equal('ENGINE_APPROVAL_NOT_PENDING');
  });

  it('refuses a decision that comes after the expiry, even before the tick noticed', async () => {
    env.clock.advance(31 * 60_000);
    expect(await failure(env.engine.decide(id, 'throttle', 'granted', 'alice'))).to.equal('ENGINE_APPROVAL_EXPIRED');
    await env.engine.idle();
    expect(env.system.values.has('quota:loadgen')).to.equal(false);
    expect((await env.timeline(id)).filter((e) => e.kind === 'approval.expired')).to.have.length(1);
  });

  it('answers decisions on unknown incidents and steps with their own codes', async () => {
    expect(await failure(env.engine.decide('INC-0000000000000000', 'throttle', 'granted', 'alice'))).to.equal('NOT_FOUND');
    expect(await failure(env.engine.decide(id, 'lag', 'granted', 'alice'))).to.equal('ENGINE_APPROVAL_NOT_FOUND');
  });

  it('drops a pending approval when the alert resolves', async () => {
    await env.deliver(lagNotification('resolved'));
    const timeline = await env.timeline(id);
    expect(timeline.find((e) => e.kind === 'approval.expired')?.data).to.deep.include({ reason: 'alert-resolved' });
    expect((await env.store.runs({ incidentId: id, trigger: 'firing' }))[0]?.status).to.equal('aborted');
    expect(await env.store.approvals({ incidentId: id, state: ['pending'] })).to.deep.equal([]);
  });
});
