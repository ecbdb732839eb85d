/** The guards in the engine: dry-run plans, pause, cooldown on a flapping alert, floors, protected topics, caps. */
import { expect } from 'chai';
import { engineEnv, onlyIncident, decisions, type EngineEnv } from './support/engine-env.ts';
import { lagNotification } from './support/alerts.ts';
import { THROTTLE_RUNBOOK } from './support/runbooks.ts';

function changeRunbook(step: string, policy = ''): string {
  return `
name: change
description: One change.
match: ['alertname="Lag"']
groupBy: [group]
${policy}
steps:
  - id: evidence
    phase: identification
    action: test.read
    with: { key: "lag" }
${step}
`;
}

describe('engine: guarded steps', () => {
  let env: EngineEnv;
  afterEach(async () => {
    await env.close();
  });

  it('in dry-run mode records the plan and changes nothing, while read-only steps run', async () => {
    env = await engineEnv([THROTTLE_RUNBOOK], { mode: 'dry-run' });
    env.system.values.set('quota:loadgen', 4_000_000);
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    expect(env.system.values.get('quota:loadgen')).to.equal(4_000_000);
    expect(env.system.calls).to.deep.equal(['execute test.read lag:billing', 'plan test.quota quota:loadgen']);
    const planned = (await env.timeline(id)).find((e) => e.kind === 'step.planned')!;
    expect(planned.data.decision).to.deep.include({ verdict: 'dry-run', reason: 'mode-dry-run' });
    expect((planned.data.plan as { changes: unknown[] }).changes).to.deep.equal([
      { resource: 'quota:client-id=loadgen', key: 'producer_byte_rate', from: 4_000_000, to: 1_048_576 },
    ]);
    expect((await env.store.getIncident(id))?.status).to.equal('open');
    expect(await env.store.stepClaims({ incidentId: id, status: ['succeeded'] })).to.have.length(1); // the read
  });

  it('stops every change at once while paused; read-only steps go on; resume lifts it', async () => {
    env = await engineEnv([THROTTLE_RUNBOOK]);
    const paused = await env.engine.setPaused(true, 'alice', 'maintenance');
    expect(paused).to.deep.include({ mode: 'enforce', paused: true, changedBy: 'alice', reason: 'maintenance' });
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    expect(decisions(await env.timeline(id), 'step.blocked')).to.deep.equal([['throttle', 'paused']]);
    expect(env.system.calls).to.deep.equal(['execute test.read lag:billing']); // not even planned
    expect((await env.metrics.render()).body).to.match(/^firebreak_automation_paused 1$/m);
    expect((await env.store.runs({ incidentId: id }))[0]?.status).to.equal('blocked');
    const resumed = await env.engine.setPaused(false, 'alice');
    expect(resumed).to.deep.include({ paused: false, changedBy: 'alice' });
    expect((await env.metrics.render()).body).to.match(/^firebreak_automation_paused 0$/m);
  });

  it('blocks a re-fire inside the cooldown after the change was reverted (a flapping alert)', async () => {
    // Past the episode window: the re-fire is not one firebreak's release caused (episodes.test.ts).
    env = await engineEnv([THROTTLE_RUNBOOK], { engine: { episodeWindowMs: 30_000 } });
    await env.deliver(lagNotification());
    env.clock.advance(5 * 60_000);
    await env.deliver(lagNotification('resolved'));
    env.clock.advance(60_000);
    await env.deliver(lagNotification('firing', { startsAt: '2026-03-01T10:06:30.000Z' }));
    const id = await onlyIncident(env.store);
    const timeline = await env.timeline(id);
    const blocked = timeline.filter((e) => e.kind === 'step.blocked');
    expect(decisions(timeline, 'step.blocked')).to.deep.equal([['throttle', 'cooldown']]);
    expect(blocked[0]!.data.decision).to.deep.include({ detail: 'previous run started 6m ago, cooldown is 15m' });
    expect(env.system.values.has('quota:loadgen')).to.equal(false);
    // A blocked run does not extend the cooldown: 15 minutes after the first run, it goes.
    env.clock.advance(9 * 60_000);
    await env.deliver(lagNotification('resolved', { startsAt: '2026-03-01T10:06:30.000Z', endsAt: '2026-03-01T10:15:00.000Z' }));
    await env.deliver(lagNotification('firing', { startsAt: '2026-03-01T10:16:00.000Z' }));
    expect(env.system.values.get('quota:loadgen')).to.equal(1_048_576);
  });

  it('blocks a quota below the floor (the runbook may only raise it)', async () => {
    env = await engineEnv([
      changeRunbook(
        `  - id: throttle
    phase: containment
    action: test.quota
    with: { client: "loadgen", rate: 100000 }`,
        'policy: { minQuotaByteRate: 262144 }',
      ),
    ]);
    await env.deliver(lagNotification());
    const blocked = (await env.timeline(await onlyIncident(env.store))).find((e) => e.kind === 'step.blocked')!;
    expect(blocked.data.decision).to.deep.equal({ verdict: 'block', reason: 'floor', detail: 'quota 100000 B/s is below the floor of 262144 B/s' });
    expect(env.system.values.has('quota:loadgen')).to.equal(false);
  });

  for (const topic of ['__consumer_offsets', 'payments-ledger']) {
    it(`never changes a protected topic: ${topic}`, async () => {
      env = await engineEnv(
        [
          changeRunbook(`  - id: retention
    phase: containment
    action: test.retention
    with: { topic: "${topic}", retentionMs: 7200000 }`),
        ],
        { safety: { protectedTopics: ['payments-.*'] } },
      );
      await env.deliver(lagNotification());
      expect(decisions(await env.timeline(await onlyIncident(env.store)), 'step.blocked')).to.deep.equal([['retention', 'protected-resource']]);
      expect(env.system.values.has(`topic:${topic}`)).to.equal(false);
    });
  }

  it('caps the distinct clients one incident changes', async () => {
    env = await engineEnv(
      [
        changeRunbook(
          `  - id: first
    phase: containment
    action: test.quota
    with: { client: "a", rate: 100000 }
  - id: second
    phase: containment
    action: test.quota
    with: { client: "b", rate: 100000 }`,
          'policy: { maxClientsPerIncident: 1 }',
        ),
      ],
    );
    await env.deliver(lagNotification());
    const timeline = await env.timeline(await onlyIncident(env.store));
    expect(decisions(timeline, 'step.blocked')).to.deep.equal([['second', 'cap-clients']]);
    expect([env.system.values.get('quota:a'), env.system.values.has('quota:b')]).to.deep.equal([100_000, false]);
  });
});
