/**
 * Releasing containment after the alert resolved: on resolve, once a recovery condition held
 * while the change was still in force, or in levels with the condition checked between them; a
 * pause holds a release back; the resolved run's recovery steps wait for the release.
 */
import { expect } from 'chai';
import { engineEnv, onlyIncident, type EngineEnv } from './support/engine-env.ts';
import { lagNotification } from './support/alerts.ts';

function runbook(release: string): string {
  return `
name: throttle
description: Throttle the producer of a lagging group.
match: ['alertname="Lag"']
groupBy: [cluster, group]
steps:
  - id: throttle
    phase: containment
    action: test.quota
    with: { client: "{{ labels.client }}", rate: 1000000 }
${release}
  - id: recheck
    phase: recovery
    on: resolved
    action: test.read
    with: { key: "quota:{{ labels.client }}" }
`;
}

const WHEN_RECOVERED = runbook(`    release:
      mode: when-recovered
      condition: { query: "lag:{{ labels.group }}", expect: "< 1000" }
      for: 5m
      interval: 1m`);

const GRADUAL = runbook(`    release:
      mode: gradual
      condition: { query: "lag:{{ labels.group }}", expect: "< 1000" }
      for: 2m
      interval: 1m
      factor: 2
      steps: 3`);

const MINUTE = 60_000;

describe('engine: release modes', () => {
  let env: EngineEnv;
  afterEach(async () => {
    await env.close();
  });

  async function contained(text: string): Promise<string> {
    env = await engineEnv([text]);
    env.system.values.set('quota:loadgen', 8_000_000);
    await env.deliver(lagNotification());
    expect(env.system.values.get('quota:loadgen')).to.equal(1_000_000);
    return onlyIncident(env.store);
  }

  async function kinds(id: string, prefix: string): Promise<Array<[string, unknown]>> {
    return (await env.timeline(id)).filter((e) => e.kind.startsWith(prefix)).map((e) => [e.kind, e.data.stepId]);
  }

  it('on-resolve: releases at once, then runs the recovery steps on the released cluster', async () => {
    const id = await contained(runbook(''));
    env.system.calls.length = 0;
    await env.deliver(lagNotification('resolved'));
    expect(env.system.calls).to.deep.equal(['revert test.quota quota:loadgen', 'execute test.read quota:loadgen']);
    expect(env.system.values.get('quota:loadgen')).to.equal(8_000_000);
    const scheduled = (await env.timeline(id)).find((e) => e.kind === 'release.scheduled')!;
    expect(scheduled.summary).to.equal('Step throttle will be released now (on-resolve)');
    expect((await env.store.getIncident(id))?.status).to.equal('recovered');
    expect((await env.store.runs({ incidentId: id })).map((r) => r.status)).to.deep.equal(['succeeded', 'succeeded']);
  });

  it('when-recovered: keeps the change after the resolve until the condition has held `for`, checked while in force', async () => {
    const id = await contained(WHEN_RECOVERED);
    env.system.values.set('lag:billing', 40_000);
    await env.deliver(lagNotification('resolved'));
    expect(env.system.values.get('quota:loadgen'), 'still throttled after the resolve').to.equal(1_000_000);
    const [resolvedRun] = await env.store.runs({ incidentId: id, trigger: 'resolved' });
    expect(resolvedRun).to.include({ status: 'waiting-release' });
    expect(env.system.calls.filter((c) => c.startsWith('execute test.read')), 'recovery steps wait for the release').to.deep.equal([]);
    const waiting = (await env.timeline(id)).find((e) => e.kind === 'release.check')!;
    expect(waiting.summary).to.equal('Release of step throttle waits: lag:billing < 1000 does not hold (value 40000)');
    expect((await env.metrics.render()).body).to.match(/^firebreak_releases_pending 1$/m);

    await env.advance(MINUTE);
    env.system.values.set('lag:billing', 500);
    await env.advance(MINUTE); // first check that holds
    await env.advance(4 * MINUTE);
    expect(env.system.values.get('quota:loadgen'), 'held 4 minutes: not yet').to.equal(1_000_000);
    await env.advance(MINUTE);
    expect(env.system.values.get('quota:loadgen'), 'held 5 minutes: released').to.equal(8_000_000);
    expect(await kinds(id, 'release.')).to.deep.equal([
      ['release.scheduled', 'throttle'],
      ['release.check', 'throttle'],
      ['release.check', 'throttle'],
    ]);
    expect((await env.store.runs({ incidentId: id, trigger: 'resolved' }))[0]).to.include({ status: 'succeeded' });
    expect(env.system.calls.at(-1)).to.equal('execute test.read quota:loadgen');
    expect((await env.store.getIncident(id))?.status).to.equal('recovered');
  });

  it('when-recovered: a condition that breaks before `for` starts the hold again', async () => {
    const id = await contained(WHEN_RECOVERED);
    env.system.values.set('lag:billing', 10);
    await env.deliver(lagNotification('resolved'));
    await env.advance(4 * MINUTE);
    env.system.values.set('lag:billing', 5_000);
    await env.advance(MINUTE);
    env.system.values.set('lag:billing', 10);
    await env.advance(MINUTE);
    await env.advance(4 * MINUTE);
    expect(env.system.values.get('quota:loadgen')).to.equal(1_000_000);
    await env.advance(MINUTE);
    expect(env.system.values.get('quota:loadgen')).to.equal(8_000_000);
    expect((await env.timeline(id)).filter((e) => e.kind === 'release.check').map((e) => e.data.held)).to.deep.equal([true, false, true]);
  });

  it('gradual: relaxes level by level while the condition holds, then restores the prior value', async () => {
    const id = await contained(GRADUAL);
    env.system.values.set('lag:billing', 10);
    await env.deliver(lagNotification('resolved'));
    const seen: unknown[] = [];
    for (let i = 0; i < 12; i++) {
      await env.advance(MINUTE);
      seen.push(env.system.values.get('quota:loadgen'));
    }
    expect([...new Set(seen)]).to.deep.equal([1_000_000, 2_000_000, 4_000_000, 8_000_000]);
    const steps = (await env.timeline(id)).filter((e) => e.kind === 'release.step');
    expect(steps.map((e) => [e.data.from, e.data.to])).to.deep.equal([
      [0, 1],
      [1, 2],
    ]);
    expect(steps[0]!.summary).to.match(/^Relaxed step throttle from level 0 to 1: level 1 of at most 3 \(x2\) after 2m with value 10$/);
    expect((await env.timeline(id)).filter((e) => e.kind === 'revert.succeeded').map((e) => e.data.trigger)).to.deep.equal(['resolve']);
    expect((await env.store.getIncident(id))?.status).to.equal('recovered');
  });

  it('gradual: when the condition breaks after a relax, goes back one level and holds there longer', async () => {
    const id = await contained(GRADUAL);
    env.system.values.set('lag:billing', 10);
    await env.deliver(lagNotification('resolved'));
    await env.advance(2 * MINUTE);
    await env.advance(MINUTE);
    expect(env.system.values.get('quota:loadgen')).to.equal(2_000_000);
    env.system.values.set('lag:billing', 9_000);
    await env.advance(MINUTE);
    expect(env.system.values.get('quota:loadgen'), 'back to the level that held').to.equal(1_000_000);
    const back = (await env.timeline(id)).find((e) => e.kind === 'release.step-back')!;
    expect(back.data).to.deep.include({ from: 1, to: 0 });
    expect(back.summary).to.equal('Stepped step throttle back from level 1 to 0: the condition broke (value 9000); holding the last level that held, next relax after 4m');
    env.system.values.set('lag:billing', 10);
    await env.advance(MINUTE);
    await env.advance(3 * MINUTE);
    expect(env.system.values.get('quota:loadgen'), 'held 3 of the 4 minutes now needed').to.equal(1_000_000);
    await env.advance(MINUTE);
    expect(env.system.values.get('quota:loadgen')).to.equal(2_000_000);
  });

  it('waits while automation is paused and goes on once resumed', async () => {
    const id = await contained(runbook(''));
    await env.engine.setPaused(true, 'alice', 'investigating');
    await env.deliver(lagNotification('resolved'));
    await env.advance(MINUTE);
    expect(env.system.values.get('quota:loadgen')).to.equal(1_000_000);
    expect((await env.timeline(id)).filter((e) => e.kind === 'step.blocked').map((e) => e.summary)).to.deep.equal([
      'Revert of step throttle waits: automation is paused (it goes on once resumed)',
    ]);
    await env.engine.setPaused(false, 'alice');
    await env.advance(MINUTE);
    expect(env.system.values.get('quota:loadgen')).to.equal(8_000_000);
    expect((await env.store.getIncident(id))?.status).to.equal('recovered');
  });

  it('ends a release under way when a person reverts by hand; the recovery steps run then', async () => {
    const id = await contained(WHEN_RECOVERED);
    env.system.values.set('lag:billing', 40_000);
    await env.deliver(lagNotification('resolved'));
    const report = await env.engine.revert(id, { actor: 'alice' });
    expect(report.results.map((r) => r.status)).to.deep.equal(['reverted']);
    await env.engine.idle();
    const cancelled = (await env.timeline(id)).find((e) => e.kind === 'release.cancelled')!;
    expect(cancelled).to.deep.include({ actor: 'alice', summary: 'Release of step throttle ended: alice reverted it by hand' });
    expect((await env.store.runs({ incidentId: id, trigger: 'resolved' }))[0]).to.include({ status: 'succeeded' });
    expect((await env.metrics.render()).body).to.match(/^firebreak_releases_pending 0$/m);
  });

  it('stops a release under way when the alert fires again: the change stays, the parked run ends pre-empted', async () => {
    const id = await contained(WHEN_RECOVERED);
    env.system.values.set('lag:billing', 40_000);
    await env.deliver(lagNotification('resolved'));
    await env.deliver(lagNotification('firing', { startsAt: '2026-03-01T10:30:00.000Z' }));
    expect(env.system.values.get('quota:loadgen')).to.equal(1_000_000);
    const runs = await env.store.runs({ incidentId: id });
    expect(runs.map((r) => [r.trigger, r.status])).to.deep.equal([
      ['firing', 'succeeded'],
      ['resolved', 'aborted'],
      ['firing', 'succeeded'],
    ]);
    expect((await env.timeline(id)).find((e) => e.kind === 'release.cancelled')?.summary).to.equal('Release of step throttle stopped: the alert fires again; the change stays in force');
    await env.advance(30 * MINUTE);
    expect(env.system.values.get('quota:loadgen')).to.equal(1_000_000);
  });
});
