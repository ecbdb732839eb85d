/**
 * simulateNotification: the real engine on a private in-memory store, with actions that plan
 * instead of act. Nothing is executed against the system (only plans read it) and nothing is
 * stored anywhere else.
 */
import { expect } from 'chai';
import type { EngineConfig } from '../../../src/engine/settings.ts';
import { DEFAULT_ENGINE_LIMITS } from '../../../src/model/engine.ts';
import { simulateNotification, type Simulation } from '../../../src/engine/simulate.ts';
import { alert, notification } from '../incidents/payloads.ts';
import { loadTestRunbooks, THROTTLE_RUNBOOK } from './support/runbooks.ts';
import { TestSystem, testRegistry } from './support/test-actions.ts';

const NOW = Date.parse('2026-03-01T10:05:00Z');
const config = (mode: EngineConfig['mode']): EngineConfig => ({
  mode,
  safety: { minQuotaByteRate: 65_536, minRetentionMs: 3_600_000, protectedTopics: [] },
  engine: DEFAULT_ENGINE_LIMITS,
});
const lag = (status: 'firing' | 'resolved' = 'firing', labels: Record<string, string> = {}) =>
  notification([
    alert({
      fingerprint: 'f1',
      status,
      startsAt: '2026-03-01T10:00:00Z',
      labels: { alertname: 'Lag', group: 'billing', client: 'loadgen', ...labels },
    }),
  ]);

/** A runbook whose change depends on what a read-only step finds. */
const EVIDENCE_RUNBOOK = `
name: evidence
description: Throttle only when the read finds a value.
match: ['alertname="Evidence"']
groupBy: [group]
steps:
  - id: look
    phase: identification
    action: test.read
    with: { key: "lag:{{ labels.group }}" }
  - id: throttle
    phase: containment
    action: test.quota
    when: steps.look.output.value > 0
    with: { client: "{{ labels.client }}", rate: 1048576 }
`;

function steps(sim: Simulation, run = 0) {
  return sim.incidents[0]?.runs[run]?.steps ?? [];
}

describe('simulateNotification', () => {
  const system = new TestSystem();
  const registry = testRegistry(system);
  const runbooks = loadTestRunbooks(registry, THROTTLE_RUNBOOK, EVIDENCE_RUNBOOK);
  const executed = () => system.calls.filter((c) => !c.startsWith('plan '));

  beforeEach(() => {
    system.calls.length = 0;
  });

  it('runs the engine: runbook, incident key, rendered params, plan and decision, and executes nothing', async () => {
    const sim = await simulateNotification({ runbooks, registry, config: config('dry-run'), now: NOW }, lag());
    expect(sim.mode).to.equal('dry-run');
    const [a] = sim.alerts;
    expect(a).to.include({ runbook: 'throttle', incidentKey: 'throttle{cluster="prod-eu",group="billing"}' });
    expect(sim.incidents).to.have.length(1);
    expect(a!.incidentId).to.equal(sim.incidents[0]!.id);
    expect(steps(sim).map((s) => [s.id, s.status])).to.deep.equal([
      ['lag', 'succeeded'],
      ['throttle', 'dry-run'],
    ]);
    const [look, throttle] = steps(sim);
    expect(look!.params).to.deep.equal({ key: 'lag:billing' });
    expect(look!.notGathered).to.equal('not executed in a simulation');
    expect(throttle!.params).to.deep.equal({ client: 'loadgen', rate: 1048576 });
    expect(throttle!.plan?.changes).to.deep.equal([{ resource: 'quota:client-id=loadgen', key: 'producer_byte_rate', from: null, to: 1048576 }]);
    expect(throttle!.decision).to.include({ verdict: 'dry-run', reason: 'mode-dry-run' });
    expect(sim.incidents[0]!.followUps).to.deep.equal(['Review the capacity of billing']);
    expect(sim.incidents[0]!.timeline.map((e) => e.kind)).to.include.members(['incident.opened', 'runbook.matched', 'run.started', 'step.planned', 'run.finished']);
    expect(executed()).to.deep.equal([]);
  });

  it('in enforce mode lets the change run, plans it instead of applying it, and shows the incident contained', async () => {
    const sim = await simulateNotification({ runbooks, registry, config: config('enforce'), now: NOW }, lag());
    const throttle = steps(sim)[1]!;
    expect(throttle.decision).to.include({ verdict: 'run', reason: 'allowed' });
    expect(throttle.status).to.equal('succeeded');
    expect(throttle.plan?.changes).to.have.length(1);
    expect(sim.incidents[0]!.status).to.equal('contained');
    expect(executed()).to.deep.equal([]);
    expect(system.values.size).to.equal(0);
  });

  it('reports the paused switch', async () => {
    const sim = await simulateNotification({ runbooks, registry, config: config('enforce'), now: NOW, paused: true }, lag());
    expect(sim.paused).to.equal(true);
    expect(steps(sim)[1]!.decision).to.include({ verdict: 'block', reason: 'paused' });
  });

  it('lists the reverts and runs the recovery steps for a resolved alert', async () => {
    const sim = await simulateNotification({ runbooks, registry, config: config('dry-run'), now: NOW }, lag('resolved'));
    const run = sim.incidents[0]!.runs[0]!;
    expect(run.trigger).to.equal('resolved');
    expect(run.reverts).to.deep.equal(['throttle']);
    expect(run.steps.map((s) => [s.id, s.decision?.reason])).to.deep.equal([['recheck', 'read-only']]);
  });

  it('opens an evidence-only incident for an alert no runbook matches', async () => {
    const body = notification([alert({ fingerprint: 'x', startsAt: '2026-03-01T10:00:00Z', labels: { alertname: 'Other' } })], '{}:{alertname="Other"}');
    const sim = await simulateNotification({ runbooks, registry, config: config('enforce'), now: NOW }, body);
    expect(sim.alerts[0]).to.include({ runbook: null, incidentKey: '{}:{alertname="Other"}' });
    expect(sim.incidents[0]!.runs).to.deep.equal([]);
    expect(sim.incidents[0]!.timeline.map((e) => e.kind)).to.include('runbook.unmatched');
  });

  it('reports a parameter problem on the step, as the engine would fail it', async () => {
    const sim = await simulateNotification({ runbooks, registry, config: config('enforce'), now: NOW }, lag('firing', { client: '' }));
    const throttle = steps(sim)[1]!;
    expect(throttle.status).to.equal('failed');
    expect(throttle.error?.code).to.equal('RUNBOOK_INVALID_PARAMS');
    expect(throttle.decision).to.equal(null);
    expect(throttle.dependsOn).to.deep.equal([]);
  });

  it('says a verdict depends on evidence it did not gather, and uses the evidence when it gathers it', async () => {
    const body = notification([alert({ fingerprint: 'e1', startsAt: '2026-03-01T10:00:00Z', labels: { alertname: 'Evidence', group: 'billing', client: 'loadgen' } })]);
    const without = await simulateNotification({ runbooks, registry, config: config('dry-run'), now: NOW }, body);
    const blind = steps(without)[1]!;
    expect(blind.dependsOn).to.deep.equal([{ step: 'look', reason: 'not executed in a simulation' }]);
    expect(executed()).to.deep.equal([]);

    system.values.set('lag:billing', 5000);
    try {
      const gathered = await simulateNotification({ runbooks, registry, config: config('dry-run'), now: NOW, gatherEvidence: (a) => a === 'test.read' }, body);
      const [look, throttle] = steps(gathered);
      expect(look!.output).to.deep.equal({ key: 'lag:billing', value: 5000 });
      expect(look!.notGathered).to.equal(null);
      expect(throttle!.dependsOn).to.deep.equal([]);
      expect(throttle!.condition).to.equal(true);
      expect(throttle!.decision).to.include({ verdict: 'dry-run' });
      expect(executed()).to.deep.equal(['execute test.read lag:billing']);
    } finally {
      system.values.clear();
    }
  });

  it('lists alerts it cannot read apart and simulates the others', async () => {
    const body = notification([alert({ fingerprint: 'f1', startsAt: '2026-03-01T10:00:00Z', labels: { alertname: 'Lag', group: 'g', client: 'c' } }), alert({ fingerprint: 'f2', startsAt: '0001-01-01T00:00:00Z' })]);
    const sim = await simulateNotification({ runbooks, registry, config: config('dry-run'), now: NOW }, body);
    expect(sim.rejected.map((r) => r.path)).to.deep.equal(['/alerts/1/startsAt']);
    expect(sim.alerts.map((a) => a.fingerprint)).to.deep.equal(['f1']);
  });

  it('rejects a payload that is not an Alertmanager v4 notification', async () => {
    let code = '';
    try {
      await simulateNotification({ runbooks, registry, config: config('enforce'), now: NOW }, { version: '3' });
    } catch (err) {
      code = (err as { code: string }).code;
    }
    expect(code).to.equal('INCIDENT_INVALID_NOTIFICATION');
  });
});
