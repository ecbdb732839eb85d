/** A firing alert runs its runbook's steps in order, records each on the timeline, contains the incident. */
import { expect } from 'chai';
import { alert, notification } from '../incidents/payloads.ts';
import { engineEnv, onlyIncident, type EngineEnv } from './support/engine-env.ts';
import { THROTTLE_RUNBOOK } from './support/runbooks.ts';
import { lagAlert, lagNotification, T0 } from './support/alerts.ts';

describe('engine: runbook runs', () => {
  let env: EngineEnv;
  afterEach(async () => {
    await env.close();
  });

  it('matches the runbook, runs the firing steps in order with rendered params, and contains the incident', async () => {
    env = await engineEnv([THROTTLE_RUNBOOK]);
    env.system.values.set('lag:billing', 52_000);
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    const incident = await env.store.getIncident(id);
    expect(incident).to.include({ runbook: 'throttle', key: 'throttle{cluster="prod-eu",group="billing"}', status: 'contained' });
    expect(env.system.calls).to.deep.equal(['execute test.read lag:billing', 'plan test.quota quota:loadgen', 'execute test.quota quota:loadgen']);
    expect(env.system.values.get('quota:loadgen')).to.equal(1_048_576);
    expect(await env.kinds(id)).to.deep.equal([
      'incident.opened',
      'alert.firing',
      'runbook.matched',
      'run.started',
      'step.started',
      'step.succeeded',
      'step.started',
      'step.succeeded',
      'incident.status',
      'run.finished',
      'action-item.added',
    ]);
    const timeline = await env.timeline(id);
    const evidence = timeline.find((e) => e.kind === 'step.succeeded' && e.data.stepId === 'lag')!;
    expect(evidence.phase).to.equal('identification');
    expect(evidence.data).to.include({ stepId: 'lag', action: 'test.read' });
    expect(evidence.data.output).to.deep.equal({ key: 'lag:billing', value: 52_000 });
    const change = timeline.find((e) => e.kind === 'step.succeeded' && e.data.stepId === 'throttle')!;
    expect(change.phase).to.equal('containment');
    expect(change.data.params).to.deep.equal({ client: 'loadgen', rate: 1_048_576 });
    expect(change.data.prior).to.deep.equal({ key: 'quota:loadgen', value: null });
    expect(change.data.applied).to.deep.equal({ key: 'quota:loadgen', value: 1_048_576 });
    expect(change.data.decision).to.deep.include({ verdict: 'run', reason: 'allowed' });
    expect(change.data.durationMs).to.be.a('number');
    const finished = timeline.find((e) => e.kind === 'run.finished')!;
    expect(finished.data.outcome).to.equal('succeeded');
    expect((await env.store.actionItems(id)).map((i) => [i.title, i.createdBy])).to.deep.equal([['Review the capacity of billing', 'engine']]);
    const metrics = (await env.metrics.render()).body;
    expect(metrics).to.match(/firebreak_runbook_runs_total\{runbook="throttle",outcome="succeeded"\} 1/);
    expect(metrics).to.match(/firebreak_guard_decisions_total\{reason="allowed"\} 1/);
    expect(metrics).to.match(/firebreak_step_duration_seconds_count\{action="test.quota",outcome="succeeded"\} 1/);
  });

  it('gives later steps the status and output of earlier ones', async () => {
    env = await engineEnv([
      `
name: conditional
description: Throttle only when the lag is high.
match: ['alertname="Lag"']
groupBy: [group]
steps:
  - id: lag
    phase: identification
    action: test.read
    with: { key: "lag:{{ labels.group }}" }
  - id: throttle
    phase: containment
    action: test.quota
    when: steps.lag.output.value > 10000
    with: { client: "{{ labels.client }}", rate: 1048576 }
`,
    ]);
    env.system.values.set('lag:billing', 20);
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    const skipped = (await env.timeline(id)).find((e) => e.kind === 'step.skipped')!;
    expect(skipped.data).to.deep.include({ stepId: 'throttle', decision: { verdict: 'skip', reason: 'condition-false', detail: 'when: evaluated to false' } });
    expect(env.system.values.has('quota:loadgen')).to.equal(false);
    expect((await env.store.getIncident(id))?.status).to.equal('open');
  });

  it('opens an evidence-only incident for an alert no runbook matches, and never runs anything for it', async () => {
    env = await engineEnv([THROTTLE_RUNBOOK]);
    await env.deliver(notification([alert({ fingerprint: 'other', startsAt: T0, labels: { alertname: 'Other' } })], '{}:{alertname="Other"}'));
    const id = await onlyIncident(env.store);
    expect(await env.store.getIncident(id)).to.include({ runbook: null, key: '{}:{alertname="Other"}' });
    expect(await env.kinds(id)).to.deep.equal(['incident.opened', 'alert.firing', 'runbook.unmatched']);
    expect(await env.store.runs({ incidentId: id })).to.deep.equal([]);
    expect(env.system.calls).to.deep.equal([]);
  });

  it('adds the follow-ups once per incident, however many runs it has', async () => {
    env = await engineEnv([THROTTLE_RUNBOOK]);
    await env.deliver(lagNotification());
    // Past the minute in which new alerts join the run that just ended (storm control).
    env.clock.advance(60_000);
    await env.deliver(notification([lagAlert('firing', { fingerprint: 'lag-2', labels: { partition: '2' } })], '{}:{alertname="Lag"}'));
    const id = await onlyIncident(env.store);
    expect(await env.store.runs({ incidentId: id })).to.have.length(2);
    expect(await env.store.actionItems(id)).to.have.length(1);
  });

  it('fails a step whose rendered params break the schema, and stops the run (onFailure: abort)', async () => {
    env = await engineEnv([THROTTLE_RUNBOOK]);
    await env.deliver(lagNotification('firing', { labels: { client: '' } }));
    const id = await onlyIncident(env.store);
    const failed = (await env.timeline(id)).find((e) => e.kind === 'step.failed')!;
    expect(failed.data).to.deep.include({ stepId: 'throttle', action: 'test.quota' });
    expect((failed.data.error as { code: string }).code).to.equal('RUNBOOK_INVALID_PARAMS');
    const [run] = await env.store.runs({ incidentId: id });
    expect(run?.status).to.equal('failed');
    expect(env.system.calls.filter((c) => c.startsWith('execute test.quota'))).to.deep.equal([]);
  });
});
