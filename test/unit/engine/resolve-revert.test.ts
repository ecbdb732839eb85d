/** Resolving reverts executed changes newest first, then runs the recovery steps; manual reverts. */
import { expect } from 'chai';
import { closeIncident } from '../../../src/incidents/lifecycle.ts';
import { engineEnv, onlyIncident, type EngineEnv } from './support/engine-env.ts';
import { lagNotification } from './support/alerts.ts';
import { THROTTLE_RUNBOOK } from './support/runbooks.ts';

const TWO_CHANGES = `
name: two-changes
description: Two changes, one reverted by hand only, one never.
match: ['alertname="Lag"']
groupBy: [group]
steps:
  - id: first
    phase: containment
    action: test.quota
    with: { client: "a", rate: 100000 }
  - id: second
    phase: containment
    action: test.retention
    with: { topic: "orders", retentionMs: 7200000 }
  - id: byhand
    phase: containment
    action: test.quota
    with: { client: "b", rate: 200000 }
    revert: manual
  - id: forever
    phase: eradication
    action: test.quota
    with: { client: "c", rate: 300000 }
    revert: never
  - id: verify
    phase: recovery
    on: resolved
    action: test.read
    with: { key: "quota:a" }
`;

describe('engine: revert', () => {
  let env: EngineEnv;
  afterEach(async () => {
    await env.close();
  });

  it('reverts on-resolve changes in reverse order, then runs the recovery steps, and marks the incident recovered', async () => {
    env = await engineEnv([TWO_CHANGES]);
    env.system.values.set('topic:orders', 604_800_000);
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    env.system.calls.length = 0;
    await env.deliver(lagNotification('resolved'));
    expect(env.system.calls).to.deep.equal(['revert test.retention topic:orders', 'revert test.quota quota:a', 'execute test.read quota:a']);
    expect(env.system.values.get('topic:orders')).to.equal(604_800_000);
    expect(env.system.values.has('quota:a')).to.equal(false);
    // `manual` and `never` changes stay until someone acts.
    expect(env.system.values.get('quota:b')).to.equal(200_000);
    expect(env.system.values.get('quota:c')).to.equal(300_000);
    const timeline = await env.timeline(id);
    const reverts = timeline.filter((e) => e.kind.startsWith('revert.')).map((e) => [e.kind, e.data.stepId]);
    expect(reverts).to.deep.equal([
      ['revert.started', 'second'],
      ['revert.succeeded', 'second'],
      ['revert.started', 'first'],
      ['revert.succeeded', 'first'],
    ]);
    const incident = await env.store.getIncident(id);
    expect(incident?.status).to.equal('recovered');
    expect(incident?.recoveredAt).to.be.a('string');
    // The one active change left that the engine may undo is the manual one.
    expect((await env.store.engineCounts()).activeContainments).to.equal(1);
  });

  it('leaves a value changed behind its back alone and records the conflict; the incident is not recovered', async () => {
    env = await engineEnv([THROTTLE_RUNBOOK]);
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    env.system.values.set('quota:loadgen', 5_000_000); // an operator raised it by hand
    await env.deliver(lagNotification('resolved'));
    expect(env.system.values.get('quota:loadgen')).to.equal(5_000_000);
    const conflict = (await env.timeline(id)).find((e) => e.kind === 'revert.conflict')!;
    expect(conflict.data.conflicts).to.deep.equal([{ resource: 'quota:loadgen', key: 'producer_byte_rate', expected: 1_048_576, actual: 5_000_000 }]);
    expect((await env.store.getIncident(id))?.status).to.equal('resolved');
  });

  it('reverts by hand what is still in place, refuses `never`, and does nothing the second time', async () => {
    env = await engineEnv([TWO_CHANGES]);
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    expect((await env.store.getIncident(id))?.status).to.equal('contained');

    const one = await env.engine.revert(id, { stepId: 'byhand', actor: 'alice' });
    expect(one.results.map((r) => [r.stepId, r.status])).to.deep.equal([['byhand', 'reverted']]);
    expect(env.system.values.has('quota:b')).to.equal(false);

    const all = await env.engine.revert(id, { actor: 'alice' });
    expect(all.results.map((r) => [r.stepId, r.status])).to.deep.equal([
      ['byhand', 'already-reverted'],
      ['second', 'reverted'],
      ['first', 'reverted'],
    ]);
    expect(env.system.values.get('quota:c')).to.equal(300_000);
    const started = (await env.timeline(id)).filter((e) => e.kind === 'revert.started');
    expect(started.map((e) => e.actor)).to.deep.equal(['alice', 'alice', 'alice']);
    // Nothing of the containment is left while the alert still fires: back to open.
    expect((await env.store.getIncident(id))?.status).to.equal('open');

    const again = await env.engine.revert(id, { actor: 'bob' });
    expect(again.message).to.equal('nothing to revert: every change is already reverted');
    expect(again.results.every((r) => r.status === 'already-reverted')).to.equal(true);
    expect((await env.timeline(id)).filter((e) => e.kind === 'revert.started')).to.have.length(3);

    for (const [step, code] of [['forever', 'ENGINE_NOT_REVERSIBLE'], ['verify', 'ENGINE_STEP_NOT_FOUND'], ['nope', 'ENGINE_STEP_NOT_FOUND']] as const) {
      let caught = '';
      try {
        await env.engine.revert(id, { stepId: step, actor: 'alice' });
      } catch (err) {
        caught = (err as { code: string }).code;
      }
      expect(caught, step).to.equal(code);
    }
  });

  it('still undoes the changes of an incident closed by hand once its alerts resolve', async () => {
    env = await engineEnv([THROTTLE_RUNBOOK]);
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    await closeIncident(env.store, id, 'alice', env.clock.now(), 'handled on the call');
    await env.deliver(lagNotification('resolved'));
    expect(env.system.values.has('quota:loadgen')).to.equal(false);
    const timeline = await env.timeline(id);
    expect(timeline.filter((e) => e.kind === 'revert.succeeded').map((e) => e.data.stepId)).to.deep.equal(['throttle']);
    expect(timeline.find((e) => e.kind === 'step.skipped' && e.data.stepId === 'recheck')?.data.decision).to.deep.include({ reason: 'incident-closed' });
    expect((await env.store.getIncident(id))?.status).to.equal('closed');
  });

  it('undoes nothing automatically while paused, and says so on the timeline', async () => {
    env = await engineEnv([THROTTLE_RUNBOOK]);
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    await env.engine.setPaused(true, 'alice', 'investigating');
    await env.deliver(lagNotification('resolved'));
    expect(env.system.values.get('quota:loadgen')).to.equal(1_048_576);
    const blocked = (await env.timeline(id)).find((e) => e.kind === 'step.blocked' && e.data.revert === true)!;
    expect(blocked.data).to.deep.include({ stepId: 'throttle', decision: { verdict: 'block', reason: 'paused' } });
    expect((await env.store.getIncident(id))?.status).to.equal('resolved');
    // A person can still revert by hand.
    const report = await env.engine.revert(id, { actor: 'alice' });
    expect(report.results.map((r) => r.status)).to.deep.equal(['reverted']);
    expect(env.system.values.has('quota:loadgen')).to.equal(false);
  });
});
