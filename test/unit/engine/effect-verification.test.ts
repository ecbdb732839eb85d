/**
 * Effect verification in the engine: a succeeded change's `verify` runs in the background, its
 * verdict is a step.verified entry, no-effect escalates; a change released while it was being
 * checked gets no verdict it could not have earned (unknown, no escalation).
 */
import { expect } from 'chai';
import { engineEnv, onlyIncident, type EngineEnv } from './support/engine-env.ts';
import { lagNotification } from './support/alerts.ts';
import { eventually } from '../../support/eventually.ts';

function runbook(verdict: string): string {
  return `
name: verified
description: Throttle the producer of a lagging group, and check the throttle acts.
match: ['alertname="Lag"']
groupBy: [cluster, group]
steps:
  - id: throttle
    phase: containment
    action: test.verified
    with: { client: "{{ labels.client }}", rate: 1000000, verdict: ${verdict} }
`;
}

describe('engine: effect verification', () => {
  let env: EngineEnv;
  afterEach(async () => {
    await env.close();
  });

  it('records the verdict of a change still in force, and escalates no-effect', async () => {
    env = await engineEnv([runbook('no-effect')]);
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    const gate = env.system.gate('verify:quota:loadgen');
    await gate.entered;
    gate.open();
    const verified = await eventually(async () => {
      const entry = (await env.timeline(id)).find((e) => e.kind === 'step.verified');
      expect(entry).to.not.equal(undefined);
      return entry!;
    });
    expect(verified.data).to.deep.include({ stepId: 'throttle', effect: 'no-effect' });
    const escalated = await eventually(async () => {
      const entry = (await env.timeline(id)).find((e) => e.kind === 'incident.escalated');
      expect(entry).to.not.equal(undefined);
      return entry!;
    });
    expect(escalated.data['reason']).to.equal('no-effect');
  });

  it('does not judge a change released while it was being checked: unknown, with what was measured, and no escalation', async () => {
    env = await engineEnv([runbook('no-effect')]);
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    const gate = env.system.gate('verify:quota:loadgen');
    await gate.entered;
    await env.deliver(lagNotification('resolved'));
    expect(env.system.values.has('quota:loadgen')).to.equal(false);
    gate.open();
    const verified = await eventually(async () => {
      const entry = (await env.timeline(id)).find((e) => e.kind === 'step.verified');
      expect(entry).to.not.equal(undefined);
      return entry!;
    });
    expect(verified.data['effect']).to.equal('unknown');
    expect(verified.data['verification']).to.deep.include({ measuredEffect: 'no-effect', changedDuringCheck: true });
    expect(verified.summary).to.contain('released or relaxed while its effect was being checked');
    expect((await env.timeline(id)).some((e) => e.kind === 'incident.escalated')).to.equal(false);
  });
});
