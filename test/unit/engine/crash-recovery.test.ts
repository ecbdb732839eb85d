/** What a restarted engine does with runs the previous process left half-done. */
import { expect } from 'chai';
import { processNotification } from '../../../src/incidents/process.ts';
import { engineEnv, onlyIncident, type EngineEnv } from './support/engine-env.ts';
import { lagNotification } from './support/alerts.ts';

const SLOW_RUNBOOK = `
name: slow
description: A slow read, then a change.
match: ['alertname="Lag"']
groupBy: [group]
steps:
  - id: slow
    phase: identification
    action: test.gate
    with: { name: "slow" }
  - id: throttle
    phase: containment
    action: test.quota
    with: { client: "loadgen", rate: 1048576 }
`;

describe('engine: crash recovery', () => {
  let env: EngineEnv;
  afterEach(async () => {
    env.system.gate('slow').open();
    await env.close();
  });

  it('marks a run that died inside a step interrupted, and runs neither that step nor the rest again', async () => {
    env = await engineEnv([SLOW_RUNBOOK]);
    const stored = await env.store.appendNotification(lagNotification(), new Date(env.clock.now()).toISOString());
    const result = await processNotification({ store: env.store, clock: env.clock, logger: env.logger }, stored, {
      keyFor: env.engine.keyFor,
      withinTransaction: env.engine.withinTransaction,
    });
    await env.engine.afterProcess(result);
    // The step is claimed and executing when the process "dies": the old engine is abandoned.
    await env.system.gate('slow').entered;
    const id = await onlyIncident(env.store);
    expect((await env.store.stepClaims({ incidentId: id })).map((c) => [c.stepId, c.status])).to.deep.equal([['slow', 'running']]);

    const engine = env.restart();
    await engine.start();
    await engine.idle();
    const [run] = await env.store.runs({ incidentId: id });
    expect(run).to.include({ status: 'interrupted', detail: 'interrupted in step slow' });
    expect((await env.store.stepClaims({ incidentId: id })).map((c) => [c.stepId, c.status])).to.deep.equal([['slow', 'interrupted']]);
    const entry = (await env.timeline(id)).find((e) => e.kind === 'run.interrupted')!;
    expect(entry.data).to.deep.include({ stepId: 'slow', action: 'test.gate', mutating: false, params: { name: 'slow' } });
    expect(env.system.calls).to.deep.equal(['execute test.gate slow']);
    expect(env.system.values.has('quota:loadgen')).to.equal(false);
    expect((await env.metrics.render()).body).to.match(/firebreak_runbook_runs_total\{runbook="slow",outcome="interrupted"\} 1/);
  });

  it('keeps what is known of a change interrupted mid-way: its plan, counted as in place, never re-applied', async () => {
    env = await engineEnv([SLOW_RUNBOOK]);
    env.system.gate('slow').open();
    env.system.values.set('quota:loadgen', 4_000_000);
    env.system.failNext.set('quota:loadgen', 'hang');
    const stored = await env.store.appendNotification(lagNotification(), new Date(env.clock.now()).toISOString());
    const result = await processNotification({ store: env.store, clock: env.clock, logger: env.logger }, stored, {
      keyFor: env.engine.keyFor,
      withinTransaction: env.engine.withinTransaction,
    });
    await env.engine.afterProcess(result);
    await env.system.gate('hang:quota:loadgen').entered;
    const id = await onlyIncident(env.store);

    const engine = env.restart();
    await engine.start();
    const entry = (await env.timeline(id)).find((e) => e.kind === 'run.interrupted')!;
    expect(entry.data).to.deep.include({ stepId: 'throttle', mutating: true });
    expect((entry.data.plan as { changes: unknown[] }).changes).to.deep.equal([{ resource: 'quota:client-id=loadgen', key: 'producer_byte_rate', from: 4_000_000, to: 1_048_576 }]);
    expect((await env.store.engineCounts()).activeContainments).to.equal(1);

    // A later run treats the change as applied (its state is unknown) and does not apply it again.
    await env.deliver(lagNotification('firing', { fingerprint: 'lag-2', labels: { partition: '1' } }));
    const skipped = (await env.timeline(id)).find((e) => e.kind === 'step.skipped' && e.data.stepId === 'throttle')!;
    expect(skipped.data.decision).to.deep.include({ reason: 'already-applied' });
    // It cannot be reverted automatically; the failure says why and carries the plan.
    const report = await engine.revert(id, { actor: 'alice' });
    expect(report.results.map((r) => r.status)).to.deep.equal(['failed']);
    const failed = (await env.timeline(id)).find((e) => e.kind === 'revert.failed')!;
    expect((failed.data.error as { code: string }).code).to.equal('ENGINE_NOT_REVERSIBLE');
    expect(failed.data.plan).to.deep.equal(entry.data.plan);
    env.system.gate('hang:quota:loadgen').open();
  });

  it('resumes a run that died between two steps from the next step', async () => {
    env = await engineEnv([SLOW_RUNBOOK]);
    await env.engine.close(0);
    const stored = await env.store.appendNotification(lagNotification(), new Date(env.clock.now()).toISOString());
    await processNotification({ store: env.store, clock: env.clock, logger: env.logger }, stored, {
      keyFor: env.engine.keyFor,
      withinTransaction: env.engine.withinTransaction,
    });
    const id = await onlyIncident(env.store);
    const [pending] = await env.store.runs({ incidentId: id });
    // As left by a process that finished the first step and died before the second.
    await env.store.updateRun(pending!.id, { status: 'running', startedAt: '2026-03-01T10:01:00.000Z', steps: { slow: { status: 'succeeded', output: { name: 'slow' } } } });

    const engine = env.restart();
    await engine.start();
    await engine.idle();
    expect(env.system.calls).to.deep.equal(['plan test.quota quota:loadgen', 'execute test.quota quota:loadgen']);
    expect((await env.store.runs({ incidentId: id }))[0]?.status).to.equal('succeeded');
  });

  it('lets a revert that died half-way be tried again', async () => {
    env = await engineEnv([SLOW_RUNBOOK]);
    env.system.gate('slow').open();
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    const [claim] = await env.store.stepClaims({ incidentId: id, status: ['succeeded'] }).then((c) => c.filter((x) => x.mutating));
    await env.store.setRevertStatus(claim!.id, [null], { status: 'reverting', at: '2026-03-01T10:02:00.000Z', by: 'engine', detail: null });

    const engine = env.restart();
    await engine.start();
    expect((await env.timeline(id)).filter((e) => e.kind === 'revert.failed').map((e) => (e.data.error as { code: string }).code)).to.deep.equal(['ENGINE_INTERRUPTED']);
    const report = await engine.revert(id, { actor: 'alice' });
    expect(report.results.map((r) => r.status)).to.deep.equal(['reverted']);
    expect(env.system.values.has('quota:loadgen')).to.equal(false);
  });
});
