/**
 * A new firing run is taken, its incident's releases under way stopped and its episode settled in
 * its first step's first write (the claim): between the commit that asks for the run and the
 * commit of its first step's claim there is no commit (each is an fsync the containment waits
 * for). The first step reads and plans while the run is still pending; a run another worker takes
 * meanwhile rolls that write back, and nothing is changed.
 */
import { expect } from 'chai';
import { engineEnv, onlyIncident, type EngineEnv } from './support/engine-env.ts';
import { lagNotification } from './support/alerts.ts';
import { observeTransactions } from './support/observe-store.ts';
import { THROTTLE_RUNBOOK } from './support/runbooks.ts';
import { processNotification } from '../../../src/incidents/process.ts';

const QUOTA_FIRST = `
name: quota-first
description: Throttle the producer at once.
match: ['alertname="Lag"']
groupBy: [cluster, group]
steps:
  - id: throttle
    phase: containment
    action: test.quota
    with: { client: "{{ labels.client }}", rate: 1048576 }
`;

describe('engine: a firing run is taken in its first step\'s claim', () => {
  let env: EngineEnv;
  afterEach(async () => {
    await env.close();
  });

  it('takes the run, stops releases and settles the episode in the commit of the first claim', async () => {
    env = await engineEnv([THROTTLE_RUNBOOK]);
    const transactions: string[][] = [];
    observeTransactions(env.store, (methods) => transactions.push(methods));
    await env.deliver(lagNotification());
    const asked = transactions.findIndex((m) => m.includes('createRun'));
    const claimed = transactions.findIndex((m) => m.includes('claimStep'));
    expect(asked, 'the run request').to.be.at.least(0);
    const between = transactions.slice(asked + 1, claimed);
    expect(between, JSON.stringify(between)).to.deep.equal([]);
    const first = transactions[claimed] ?? [];
    expect(first).to.include.members(['updateRun', 'appendTimeline', 'cancelTimers', 'stepClaims', 'claimStep']);
    // Taken (updateRun) before the step is claimed.
    expect(first.indexOf('updateRun')).to.be.below(first.indexOf('claimStep'));
    const id = await onlyIncident(env.store);
    expect((await env.store.runs({ incidentId: id })).map((r) => r.status)).to.deep.equal(['succeeded']);
    expect((await env.kinds(id)).filter((k) => k.startsWith('run.') || k.startsWith('step.'))).to.deep.equal([
      'run.started',
      'step.started',
      'step.succeeded',
      'step.started',
      'step.succeeded',
      'run.finished',
    ]);
  });

  it('retries a run whose first attempt failed at the store with a take of its own, before any plan reads the cluster', async () => {
    env = await engineEnv([QUOTA_FIRST], { maxRunStartsPerMinute: 5 });
    // The store takes the notification, then cannot write any more (a full disk).
    let full = false;
    observeTransactions(env.store, () => undefined, () => full);
    const processed = await env.store.appendNotification(lagNotification(), new Date(env.clock.now()).toISOString());
    const result = await processNotification({ store: env.store, clock: env.clock, logger: env.logger }, processed, {
      keyFor: env.engine.keyFor,
      withinTransaction: env.engine.withinTransaction,
    });
    full = true;
    await env.engine.afterProcess(result);
    await env.engine.idle();
    for (let minute = 0; minute < 3; minute++) await env.advance(60_000);
    // The first attempt planned (the run is taken in its first claim, which failed); every retry
    // failed at its take, before planning.
    expect(env.system.calls.filter((c) => c === 'plan test.quota quota:loadgen')).to.deep.equal(['plan test.quota quota:loadgen']);
    expect(env.system.calls).to.not.include('execute test.quota quota:loadgen');
    full = false;
    await env.advance(60_000);
    expect(env.system.calls).to.include('execute test.quota quota:loadgen');
    expect(env.system.values.get('quota:loadgen')).to.equal(1_048_576);
  });

  it('changes nothing when another worker takes the run while its first step plans', async () => {
    env = await engineEnv([QUOTA_FIRST]);
    env.system.holdPlans.add('quota:loadgen');
    const planning = env.system.gate('plan:quota:loadgen');
    const delivered = env.deliver(lagNotification());
    await planning.entered;
    const id = await onlyIncident(env.store);
    const [run] = await env.store.runs({ incidentId: id });
    expect(run?.status).to.equal('pending');
    // Another replica takes it (as run.ts does: owner, lease, a new fence).
    await env.store.updateRun(run!.id, { status: 'running', startedAt: run!.requestedAt, owner: 'another-engine', leaseUntil: '2999-01-01T00:00:00.000Z', fence: run!.fence + 1 });
    planning.open();
    await delivered;
    expect(env.system.calls).to.include('plan test.quota quota:loadgen');
    expect(env.system.calls).to.not.include('execute test.quota quota:loadgen');
    expect(env.system.values.has('quota:loadgen')).to.equal(false);
    expect(await env.store.stepClaims({ incidentId: id })).to.deep.equal([]);
    const kinds = await env.kinds(id);
    expect(kinds).to.not.include('run.started');
    expect(kinds).to.not.include('step.started');
    const [after] = await env.store.runs({ incidentId: id });
    expect([after?.status, after?.owner, after?.fence]).to.deep.equal(['running', 'another-engine', run!.fence + 1]);
  });

  // The pause switch and the incident's status are read before the plan; a responder who pauses
  // or closes while the step plans must stop the change: the claim reads both again.
  const refusals: Array<{ what: string; runbook: string; act: (env: EngineEnv, id: string) => Promise<unknown>; kind: string; reason: string }> = [
    { what: 'automation is paused while a new run\'s first step plans', runbook: QUOTA_FIRST, act: (e) => e.store.setAutomation({ paused: true, changedBy: 'sre', changedAt: new Date().toISOString(), reason: 'test' }), kind: 'step.blocked', reason: 'paused' },
    { what: 'the incident is closed while a new run\'s first step plans', runbook: QUOTA_FIRST, act: (e, id) => e.store.updateIncident(id, { status: 'closed' }), kind: 'step.skipped', reason: 'incident-closed' },
    { what: 'automation is paused while a later step of a taken run plans', runbook: THROTTLE_RUNBOOK, act: (e) => e.store.setAutomation({ paused: true, changedBy: 'sre', changedAt: new Date().toISOString(), reason: 'test' }), kind: 'step.blocked', reason: 'paused' },
  ];
  for (const c of refusals) {
    it(`changes nothing and says why when ${c.what}`, async () => {
      env = await engineEnv([c.runbook]);
      env.system.holdPlans.add('quota:loadgen');
      const planning = env.system.gate('plan:quota:loadgen');
      const delivered = env.deliver(lagNotification());
      await planning.entered;
      const id = await onlyIncident(env.store);
      await c.act(env, id);
      planning.open();
      await delivered;
      expect(env.system.calls).to.include('plan test.quota quota:loadgen');
      expect(env.system.calls).to.not.include('execute test.quota quota:loadgen');
      expect(env.system.values.has('quota:loadgen')).to.equal(false);
      expect((await env.store.stepClaims({ incidentId: id })).filter((cl) => cl.stepId === 'throttle')).to.deep.equal([]);
      const entries = await env.store.timeline(id);
      const throttle = entries.filter((e) => (e.data as { stepId?: string } | null)?.stepId === 'throttle').map((e) => [e.kind, (e.data as { decision?: { reason?: string } }).decision?.reason]);
      expect(throttle).to.deep.equal([[c.kind, c.reason]]);
    });
  }
});
