/**
 * A step's maxDuration: a change still in force when it runs out is released (onMaxDuration:
 * release) or escalated and kept (escalate), whether or not the alert ever resolved. An action's
 * own hold limit (ExecuteResult.holdLimit) releases its change when it comes first.
 */
import { expect } from 'chai';
import { engineEnv, onlyIncident, type EngineEnv } from './support/engine-env.ts';
import { lagNotification } from './support/alerts.ts';

function runbook(extra: string, withExtra = ''): string {
  return `
name: throttle
description: Throttle the producer of a lagging group.
match: ['alertname="Lag"']
groupBy: [cluster, group]
steps:
  - id: throttle
    phase: containment
    action: test.quota
    with: { client: "{{ labels.client }}", rate: 1000000${withExtra} }
${extra}
`;
}

const HOUR = 3_600_000;

describe('engine: maximum containment duration', () => {
  let env: EngineEnv;
  afterEach(async () => {
    await env.close();
  });

  it('releases a change still in force at maxDuration when the runbook says release; the incident goes back to open', async () => {
    env = await engineEnv([runbook('    maxDuration: 2h\n    onMaxDuration: release')]);
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    expect((await env.store.getIncident(id))?.status).to.equal('contained');
    await env.advance(2 * HOUR - 1_000);
    expect(env.system.values.get('quota:loadgen')).to.equal(1_000_000);
    await env.advance(1_000);
    expect(env.system.values.has('quota:loadgen')).to.equal(false);
    const timeline = await env.timeline(id);
    expect(timeline.find((e) => e.kind === 'release.scheduled')?.summary).to.equal(
      'Step throttle has been in force for 2h (maxDuration): released now, as the runbook says (onMaxDuration: release)',
    );
    expect(timeline.find((e) => e.kind === 'revert.succeeded')?.data).to.deep.include({ trigger: 'max-duration' });
    expect((await env.store.getIncident(id))?.status).to.equal('open');
  });

  it('keeps the change and escalates at maxDuration by default', async () => {
    env = await engineEnv([runbook('    maxDuration: 30m')]);
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    await env.advance(HOUR);
    expect(env.system.values.get('quota:loadgen')).to.equal(1_000_000);
    const escalated = (await env.timeline(id)).filter((e) => e.kind === 'incident.escalated');
    expect(escalated.map((e) => e.summary)).to.deep.equal([
      'Step throttle has been in force for 30m (maxDuration): it stays in force until a person reverts it (firebreak revert) or the release runs',
    ]);
    expect(escalated[0]!.data).to.deep.include({ reason: 'max-duration', stepId: 'throttle', onMaxDuration: 'escalate' });
    expect((await env.metrics.render()).body).to.match(/^firebreak_escalations_total\{reason="max-duration"\} 1$/m);
  });

  it('does nothing at maxDuration for a change released before', async () => {
    env = await engineEnv([runbook('    maxDuration: 30m')]);
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    await env.deliver(lagNotification('resolved'));
    await env.advance(HOUR);
    expect((await env.timeline(id)).some((e) => e.kind === 'incident.escalated')).to.equal(false);
  });

  it('releases a change at the hold limit its action set, before any maxDuration, whatever onMaxDuration says', async () => {
    env = await engineEnv([runbook('    maxDuration: 2h', ', holdLimitMs: 90000')]);
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    const succeeded = (await env.timeline(id)).find((e) => e.kind === 'step.succeeded');
    expect(succeeded?.data['holdLimit']).to.deep.equal({ ms: 90_000, reason: 'held longer, the test system would suffer' });
    await env.advance(89_000);
    expect(env.system.values.get('quota:loadgen')).to.equal(1_000_000);
    await env.advance(1_000);
    expect(env.system.values.has('quota:loadgen')).to.equal(false);
    const timeline = await env.timeline(id);
    expect(timeline.find((e) => e.kind === 'release.scheduled')?.summary).to.equal(
      'Step throttle has been in force for 1m 30s, the longest it may hold: held longer, the test system would suffer: released now',
    );
    expect(timeline.find((e) => e.kind === 'revert.succeeded')?.data).to.deep.include({ trigger: 'max-duration' });
    expect(timeline.some((e) => e.kind === 'incident.escalated')).to.equal(false);
    expect((await env.store.getIncident(id))?.status).to.equal('open');
  });

  it('keeps maxDuration when it comes before the hold limit', async () => {
    env = await engineEnv([runbook('    maxDuration: 30m', ', holdLimitMs: 7200000')]);
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    await env.advance(HOUR);
    expect(env.system.values.get('quota:loadgen')).to.equal(1_000_000);
    const escalated = (await env.timeline(id)).filter((e) => e.kind === 'incident.escalated');
    expect(escalated.map((e) => e.data['reason'])).to.deep.equal(['max-duration']);
  });

  it('escalates at the hold limit a change firebreak does not release itself (revert: manual)', async () => {
    env = await engineEnv([runbook('    revert: manual', ', holdLimitMs: 60000')]);
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    await env.advance(60_000);
    expect(env.system.values.get('quota:loadgen')).to.equal(1_000_000);
    const escalated = (await env.timeline(id)).filter((e) => e.kind === 'incident.escalated');
    expect(escalated.map((e) => e.summary)).to.deep.equal([
      'Step throttle has been in force for 1m (the longest it may hold: held longer, the test system would suffer): it stays in force until a person reverts it (firebreak revert) or the release runs',
    ]);
    expect(escalated[0]!.data).to.deep.include({ reason: 'max-duration', holdLimit: { ms: 60_000, reason: 'held longer, the test system would suffer' } });
  });
});
