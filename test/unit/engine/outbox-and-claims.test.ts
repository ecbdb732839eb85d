/** Run requests are written with the notification's processing; steps are claimed once per episode. */
import { expect } from 'chai';
import { processNotification } from '../../../src/incidents/process.ts';
import { engineEnv, onlyIncident, type EngineEnv } from './support/engine-env.ts';
import { lagNotification } from './support/alerts.ts';
import { THROTTLE_RUNBOOK } from './support/runbooks.ts';

describe('engine: outbox and step claims', () => {
  let env: EngineEnv;
  afterEach(async () => {
    await env.close();
  });

  it('runs each step once when the same notification arrives three times', async () => {
    env = await engineEnv([THROTTLE_RUNBOOK]);
    for (let i = 0; i < 3; i++) await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    expect(await env.store.runs({ incidentId: id })).to.have.length(1);
    expect(env.system.calls.filter((c) => c.startsWith('execute'))).to.deep.equal(['execute test.read lag:billing', 'execute test.quota quota:loadgen']);
    expect((await env.store.stepClaims({ incidentId: id })).map((c) => c.stepId)).to.deep.equal(['lag', 'throttle']);
  });

  it('loses no run when processing fails before the commit: the replay records it once', async () => {
    env = await engineEnv([THROTTLE_RUNBOOK]);
    const stored = await env.store.appendNotification(lagNotification(), new Date(env.clock.now()).toISOString());
    const crash = new Error('process died before the commit');
    let caught: unknown;
    try {
      await processNotification({ store: env.store, clock: env.clock, logger: env.logger }, stored, {
        keyFor: env.engine.keyFor,
        withinTransaction: async (tx, result, notification) => {
          await env.engine.withinTransaction(tx, result, notification);
          throw crash;
        },
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.equal(crash);
    expect((await env.store.listIncidents({ limit: 10 })).items).to.deep.equal([]);
    // A new process replays the notification from the store: incident and run appear together.
    const engine = env.restart();
    await engine.start();
    const [pending] = await env.store.unprocessedNotifications(10);
    const result = await processNotification({ store: env.store, clock: env.clock, logger: env.logger }, pending!, {
      keyFor: engine.keyFor,
      withinTransaction: engine.withinTransaction,
    });
    const id = await onlyIncident(env.store);
    expect((await env.store.runs({ incidentId: id })).map((r) => r.status)).to.deep.equal(['pending']);
    await engine.afterProcess(result);
    await engine.idle();
    expect((await env.store.runs({ incidentId: id })).map((r) => r.status)).to.deep.equal(['succeeded']);
    expect(env.system.values.get('quota:loadgen')).to.equal(1_048_576);
  });

  it('resumes runs a previous process recorded but never started', async () => {
    env = await engineEnv([THROTTLE_RUNBOOK]);
    await env.engine.close(0);
    const stored = await env.store.appendNotification(lagNotification(), new Date(env.clock.now()).toISOString());
    // Processed and committed, then the process died before its worker picked the run up.
    await processNotification({ store: env.store, clock: env.clock, logger: env.logger }, stored, {
      keyFor: env.engine.keyFor,
      withinTransaction: env.engine.withinTransaction,
    });
    expect(env.system.calls).to.deep.equal([]);
    const engine = env.restart();
    await engine.start();
    await engine.idle();
    expect(env.system.values.get('quota:loadgen')).to.equal(1_048_576);
  });

  it('skips, silently, a step some other run already claimed for the same episode', async () => {
    env = await engineEnv([THROTTLE_RUNBOOK]);
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    const [first] = await env.store.runs({ incidentId: id });
    // A second request for the same alert episode (as a second replica would write it).
    const second = await env.store.createRun({ ...first!, requestedAt: new Date(env.clock.now()).toISOString() });
    env.system.calls.length = 0;
    env.engine.kick();
    await env.engine.idle();
    expect(env.system.calls.filter((c) => c.startsWith('execute'))).to.deep.equal([]);
    const entries = (await env.timeline(id)).filter((e) => e.data.runId === second.id);
    expect(entries.map((e) => e.kind)).to.deep.equal(['run.started', 'step.skipped', 'run.finished']);
    // The mutating step was recognised as applied; the read-only one was claimed elsewhere (no entry).
    expect(entries[1]!.data).to.deep.include({ stepId: 'throttle', decision: { verdict: 'skip', reason: 'already-applied', detail: 'step throttle is already applied in this incident' } });
  });
});
