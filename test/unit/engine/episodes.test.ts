/**
 * Episodes and the loop breaker: a re-fire caused by firebreak's own release re-applies the last
 * level that held, cooldown or not, and slows the next release; N contain/release cycles stop the
 * automation of the group, keep the safe level and escalate; a run never contains for an alert
 * that resolved while it waited.
 */
import { expect } from 'chai';
import { engineEnv, onlyIncident, type EngineEnv } from './support/engine-env.ts';
import { lagNotification } from './support/alerts.ts';
import { rejection } from '../../support/rejection.ts';

const MINUTE = 60_000;

function runbook(release = '', extraSteps = ''): string {
  return `
name: throttle
description: Throttle the producer of a lagging group.
match: ['alertname="Lag"']
groupBy: [cluster, group]
policy: { cooldown: 15m, maxRunsPerHour: 10 }
steps:${extraSteps}
  - id: throttle
    phase: containment
    action: test.quota
    with: { client: "{{ labels.client }}", rate: 1000000 }
${release}
`;
}

const GRADUAL = runbook(`    release:
      mode: gradual
      condition: { query: "lag:{{ labels.group }}", expect: "< 1000" }
      for: 2m
      interval: 1m
      factor: 2
      steps: 3`);

/** Alert episodes of the same alert: each re-fire starts anew (a new startsAt). */
function firing(n: number): Record<string, unknown> {
  return lagNotification('firing', { startsAt: new Date(Date.parse('2026-03-01T10:00:00.000Z') + n * 600_000).toISOString() });
}
function resolved(n: number): Record<string, unknown> {
  const startsAt = new Date(Date.parse('2026-03-01T10:00:00.000Z') + n * 600_000).toISOString();
  return lagNotification('resolved', { startsAt, endsAt: new Date(Date.parse(startsAt) + 60_000).toISOString() });
}

describe('engine: episodes and the loop breaker', () => {
  let env: EngineEnv;
  afterEach(async () => {
    await env.close();
  });

  async function setUp(text: string, engine = {}): Promise<string> {
    env = await engineEnv([text], { engine });
    env.system.values.set('quota:loadgen', 8_000_000);
    await env.deliver(firing(0));
    return onlyIncident(env.store);
  }

  it('re-applies a change released too early despite the cooldown, says so, and holds its next release for the episode window', async () => {
    const id = await setUp(runbook());
    await env.deliver(resolved(0));
    expect(env.system.values.get('quota:loadgen')).to.equal(8_000_000);
    await env.advance(2 * MINUTE);
    await env.deliver(firing(1));
    expect(env.system.values.get('quota:loadgen'), 'contained again within the cooldown').to.equal(1_000_000);
    const timeline = await env.timeline(id);
    const started = timeline.filter((e) => e.kind === 'step.started' && e.data.stepId === 'throttle');
    expect(started.map((e) => (e.data.decision as { reason: string }).reason)).to.deep.equal(['allowed', 'released-too-early']);
    const early = timeline.find((e) => e.kind === 'release.too-early')!;
    expect(early.summary).to.equal('The alert fired again 2m after firebreak released step throttle: released too early; level 0, the last level that held, is back in force, and its next release waits 2x longer');
    expect((await env.store.getIncident(id))?.status).to.equal('contained');

    await env.deliver(resolved(1));
    expect((await env.timeline(id)).filter((e) => e.kind === 'release.scheduled').at(-1)?.summary).to.equal(
      'Step throttle will be released once the alert staying resolved for 30m (on-resolve, released too early before)',
    );
    await env.advance(29 * MINUTE);
    expect(env.system.values.get('quota:loadgen'), 'not released faster again').to.equal(1_000_000);
    await env.advance(2 * MINUTE);
    expect(env.system.values.get('quota:loadgen')).to.equal(8_000_000);
  });

  it('does not treat a re-fire after the episode window as released too early: the cooldown applies', async () => {
    const id = await setUp(runbook(), { episodeWindowMs: 5 * MINUTE });
    await env.deliver(resolved(0));
    await env.advance(10 * MINUTE);
    await env.deliver(firing(1));
    expect(env.system.values.get('quota:loadgen')).to.equal(8_000_000);
    const blocked = (await env.timeline(id)).find((e) => e.kind === 'step.blocked')!;
    expect(blocked.data.decision).to.deep.include({ reason: 'cooldown' });
  });

  it('puts a gradual release that relaxed too early back to the last level that held, and resumes it later from there', async () => {
    const id = await setUp(GRADUAL);
    env.system.values.set('lag:billing', 10);
    await env.deliver(resolved(0));
    await env.advance(2 * MINUTE);
    await env.advance(MINUTE);
    await env.advance(2 * MINUTE);
    await env.advance(MINUTE);
    expect(env.system.values.get('quota:loadgen'), 'level 2').to.equal(4_000_000);
    await env.deliver(firing(1));
    expect(env.system.values.get('quota:loadgen'), 'back to level 1, the last level that held').to.equal(2_000_000);
    const early = (await env.timeline(id)).find((e) => e.kind === 'release.too-early')!;
    expect(early.data).to.deep.include({ from: 2, to: 1, tooEarly: 1 });
    // The re-fire does not apply the throttle again: it is in force (at level 1).
    expect((await env.timeline(id)).filter((e) => e.kind === 'step.skipped').map((e) => (e.data.decision as { reason: string }).reason)).to.deep.equal(['already-applied']);

    await env.deliver(resolved(1));
    await env.advance(3 * MINUTE);
    expect(env.system.values.get('quota:loadgen'), 'a level now needs 4m').to.equal(2_000_000);
    await env.advance(2 * MINUTE);
    expect(env.system.values.get('quota:loadgen')).to.equal(4_000_000);
  });

  it('re-applies the level a gradual release ended at, not the full throttle, when the alert fires again after it', async () => {
    const id = await setUp(GRADUAL);
    env.system.values.set('lag:billing', 10);
    await env.deliver(resolved(0));
    for (let i = 0; i < 12; i++) await env.advance(MINUTE);
    expect(env.system.values.get('quota:loadgen')).to.equal(8_000_000);
    await env.deliver(firing(1));
    expect(env.system.values.get('quota:loadgen'), 'level 2, where the condition last held').to.equal(4_000_000);
    const started = (await env.timeline(id)).filter((e) => e.kind === 'step.started').at(-1)!;
    expect(started.summary).to.equal('Step throttle started: re-applying level 2 of step throttle, the last level that held');
    // Its release starts from there: the next level is the prior value.
    await env.deliver(resolved(1));
    for (let i = 0; i < 6; i++) await env.advance(MINUTE);
    expect(env.system.values.get('quota:loadgen')).to.equal(8_000_000);
  });

  it('stops automating a group contained and released N times in the window: the safe level stays, it escalates once, other changes are blocked', async () => {
    // A second change, only once the throttle is already in force: what the loop breaker must stop.
    const FLAP = `${runbook()}
  - id: second
    phase: containment
    action: test.retention
    when: steps.throttle.status == "skipped"
    with: { topic: "orders", retentionMs: 7200000 }
`;
    const id = await setUp(FLAP, { loopBreakerCycles: 2 });
    await env.deliver(resolved(0));
    await env.advance(MINUTE);
    await env.deliver(firing(1));
    await env.deliver(resolved(1));
    await env.advance(31 * MINUTE);
    expect(env.system.values.get('quota:loadgen'), 'released twice').to.equal(8_000_000);
    await env.deliver(firing(2));
    expect(env.system.values.get('quota:loadgen'), 'the safe level again').to.equal(1_000_000);
    const escalations = (await env.timeline(id)).filter((e) => e.kind === 'incident.escalated');
    expect(escalations.map((e) => e.data.reason)).to.deep.equal(['loop-breaker']);
    expect(escalations[0]!.summary).to.equal(
      'throttle contained and released this group 2 times within 1h: firebreak stops automating it; the last level that held stays in force until a person reverts it (firebreak revert) or closes the incident',
    );
    expect((await env.metrics.render()).body).to.match(/^firebreak_escalations_total\{reason="loop-breaker"\} 1$/m);

    await env.deliver(resolved(2));
    await env.advance(2 * 60 * MINUTE);
    expect(env.system.values.get('quota:loadgen'), 'held: never released automatically').to.equal(1_000_000);
    expect((await env.timeline(id)).find((e) => e.kind === 'release.held')?.summary).to.equal(
      'Step throttle stays in force: the loop breaker stopped automatic release for this incident; revert it by hand when it is safe',
    );
    await env.deliver(firing(3));
    expect((await env.timeline(id)).filter((e) => e.kind === 'incident.escalated')).to.have.length(1);
    const blocked = (await env.timeline(id)).find((e) => e.kind === 'step.blocked' && e.data.stepId === 'second')!;
    expect(blocked.data.decision).to.deep.include({ reason: 'loop-breaker' });
    expect(env.system.values.has('topic:orders')).to.equal(false);
    // A person takes over.
    expect((await env.engine.revert(id, { actor: 'alice' })).results.map((r) => r.status)).to.deep.equal(['reverted', 'already-reverted', 'already-reverted']);
    expect(env.system.values.get('quota:loadgen')).to.equal(8_000_000);
  });

  it('counts the cycles again from a hand-back: the group is automated afresh, not held at its next re-fire', async () => {
    const id = await setUp(runbook(), { loopBreakerCycles: 2, loopBreakerWindowMs: 6 * 60 * MINUTE });
    await env.deliver(resolved(0));
    await env.advance(MINUTE);
    await env.deliver(firing(1));
    await env.deliver(resolved(1));
    await env.advance(31 * MINUTE);
    await env.deliver(firing(2));
    await env.deliver(resolved(2));
    await env.advance(MINUTE);
    const kinds = async (kind: string) => (await env.timeline(id)).filter((e) => e.kind === kind);
    expect(await kinds('incident.escalated'), 'tripped').to.have.length(1);
    expect(env.system.values.get('quota:loadgen'), 'held').to.equal(1_000_000);

    const report = await env.engine.liftHold(id, { how: 'hand-back', actor: 'alice', reason: 'consumer scaled' });
    expect(report).to.deep.include({ how: 'hand-back', steps: ['throttle'], releasesScheduled: 1, revert: null });
    expect((await kinds('release.hold-lifted'))[0]).to.deep.include({ actor: 'alice' });
    // The first check starts the hold time (an hour: released too early before), the second releases.
    await env.advance(MINUTE);
    await env.advance(2 * 60 * MINUTE);
    expect(env.system.values.get('quota:loadgen'), 'released as its step says').to.equal(8_000_000);
    // Two earlier cycles are still in the window, but they were before the hand-back: no trip.
    await env.deliver(firing(3));
    expect(env.system.values.get('quota:loadgen'), 'contained again').to.equal(1_000_000);
    expect(await kinds('incident.escalated'), 'not tripped again at once').to.have.length(1);
    await env.deliver(resolved(3));
    expect(await kinds('release.held'), 'released normally').to.have.length(1);
    expect((await rejection(env.engine.liftHold(id, { how: 'clear', actor: 'alice', reason: 'again' }))).code).to.equal('ENGINE_NOT_HELD');
  });

  it('releases a held change at its own hold limit: held longer it would do harm by itself', async () => {
    const id = await setUp(runbook().replace('rate: 1000000 }', 'rate: 1000000, holdLimitMs: 5400000 }'), { loopBreakerCycles: 2 });
    await env.deliver(resolved(0));
    await env.advance(MINUTE);
    await env.deliver(firing(1));
    await env.deliver(resolved(1));
    await env.advance(31 * MINUTE);
    await env.deliver(firing(2));
    expect(env.system.values.get('quota:loadgen'), 'the safe level, held').to.equal(1_000_000);
    await env.advance(89 * MINUTE);
    expect(env.system.values.get('quota:loadgen')).to.equal(1_000_000);
    await env.advance(MINUTE);
    expect(env.system.values.get('quota:loadgen'), 'released at its hold limit').to.equal(8_000_000);
    const scheduled = (await env.timeline(id)).filter((e) => e.kind === 'release.scheduled' && e.data.mode === 'max-duration');
    expect(scheduled.map((e) => e.summary)).to.deep.equal([
      'Step throttle has been in force for 1h 30m, the longest it may hold: held longer, the test system would suffer: released now, although the loop breaker holds it',
    ]);
  });

  it('lifts the hold of an incident whose held change a person already reverted by hand, so automation takes it back', async () => {
    const id = await setUp(runbook(), { loopBreakerCycles: 1 });
    await env.deliver(resolved(0));
    await env.advance(MINUTE);
    await env.deliver(firing(1));
    expect((await env.timeline(id)).filter((e) => e.kind === 'incident.escalated'), 'tripped').to.have.length(1);
    await env.engine.revert(id, { actor: 'alice' });
    expect(env.system.values.get('quota:loadgen')).to.equal(8_000_000);
    const report = await env.engine.liftHold(id, { how: 'hand-back', actor: 'alice', reason: 'producer fixed' });
    expect(report).to.deep.include({ steps: ['throttle'], releasesScheduled: 0 });
    expect((await env.store.stepClaims({ incidentId: id })).map((c) => c.releaseState?.hold ?? null)).to.deep.equal([null, null]);
    expect((await rejection(env.engine.liftHold(id, { how: 'hand-back', actor: 'alice', reason: 'again' }))).code).to.equal('ENGINE_NOT_HELD');
  });

  it('pre-empts a resolved run still checking recovery when the alert fires again, instead of waiting behind it', async () => {
    const CHECKED = `${runbook()}
  - id: verify
    phase: recovery
    on: resolved
    action: test.gate
    with: { name: "verify" }
`;
    const id = await setUp(CHECKED);
    const { processNotification } = await import('../../../src/incidents/process.ts');
    const submit = async (body: unknown) => {
      const stored = await env.store.appendNotification(body, new Date(env.clock.now()).toISOString());
      await env.engine.afterProcess(await processNotification({ store: env.store, clock: env.clock, logger: env.logger }, stored, { keyFor: env.engine.keyFor, withinTransaction: env.engine.withinTransaction }));
    };
    await submit(resolved(0));
    await env.system.gate('verify').entered;
    expect(env.system.values.get('quota:loadgen'), 'released before the check').to.equal(8_000_000);
    await submit(firing(1));
    await env.engine.idle();
    expect(env.system.values.get('quota:loadgen'), 'contained again, without waiting for the check').to.equal(1_000_000);
    const runs = await env.store.runs({ incidentId: id });
    expect(runs.map((r) => [r.trigger, r.status])).to.deep.equal([
      ['firing', 'succeeded'],
      ['resolved', 'aborted'],
      ['firing', 'succeeded'],
    ]);
    expect(runs[1]!.detail).to.match(/^ENGINE_PREEMPTED: /);
    const failed = (await env.timeline(id)).find((e) => e.kind === 'step.failed' && e.data.stepId === 'verify')!;
    expect((failed.data.error as { code: string }).code).to.equal('ENGINE_PREEMPTED');
  });

  it('does not contain for an alert that resolved while its run waited behind another run', async () => {
    const GATED = runbook('', `
  - id: slow
    phase: identification
    action: test.gate
    with: { name: "slow" }`);
    env = await engineEnv([GATED]);
    const stored = await env.store.appendNotification(firing(0), new Date(env.clock.now()).toISOString());
    const { processNotification } = await import('../../../src/incidents/process.ts');
    const result = await processNotification({ store: env.store, clock: env.clock, logger: env.logger }, stored, { keyFor: env.engine.keyFor, withinTransaction: env.engine.withinTransaction });
    await env.engine.afterProcess(result);
    await env.system.gate('slow').entered;
    const storedResolve = await env.store.appendNotification(resolved(0), new Date(env.clock.now()).toISOString());
    const resolveResult = await processNotification({ store: env.store, clock: env.clock, logger: env.logger }, storedResolve, { keyFor: env.engine.keyFor, withinTransaction: env.engine.withinTransaction });
    await env.engine.afterProcess(resolveResult);
    env.system.gate('slow').open();
    await env.engine.idle();
    const id = await onlyIncident(env.store);
    expect(env.system.values.has('quota:loadgen'), 'never throttled').to.equal(false);
    const skipped = (await env.timeline(id)).find((e) => e.kind === 'step.skipped' && e.data.stepId === 'throttle')!;
    expect(skipped.data.decision).to.deep.include({ reason: 'alert-resolved' });
    expect((await env.store.getIncident(id))?.status).to.equal('recovered');
  });
});
