/** simulateNotification: what would happen to a notification, with nothing executed or stored. */
import { expect } from 'chai';
import { DEFAULT_ENGINE_LIMITS, type EngineConfig } from '../../../src/engine/settings.ts';
import { simulateNotification } from '../../../src/engine/simulate.ts';
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

describe('simulateNotification', () => {
  const system = new TestSystem();
  const registry = testRegistry(system);
  const runbooks = loadTestRunbooks(registry, THROTTLE_RUNBOOK);

  it('shows the runbook, the incident key, rendered params and decisions, and executes nothing', async () => {
    const sim = await simulateNotification({ runbooks, registry, config: config('enforce'), now: NOW }, lag());
    expect(sim.mode).to.equal('enforce');
    expect(sim.alerts).to.have.length(1);
    const [a] = sim.alerts;
    expect(a!.runbook).to.equal('throttle');
    expect(a!.incidentKey).to.equal('throttle{cluster="prod-eu",group="billing"}');
    expect(a!.steps.map((s) => s.id)).to.deep.equal(['lag', 'throttle']);
    expect(a!.steps[0]!.params).to.deep.equal({ key: 'lag:billing' });
    expect(a!.steps[0]!.decision).to.include({ verdict: 'run', reason: 'read-only' });
    expect(a!.steps[1]!.params).to.deep.equal({ client: 'loadgen', rate: 1048576 });
    // Without a Kafka admin the change cannot be planned, so it could not be checked.
    expect(a!.steps[1]!.decision).to.include({ verdict: 'block', reason: 'plan-unavailable' });
    expect(a!.steps[1]!.planError?.code).to.equal('ENGINE_KAFKA_NOT_CONFIGURED');
    expect(a!.followUps).to.deep.equal([{ title: 'Review the capacity of billing', error: null }]);
    expect(system.calls).to.deep.equal([]);
  });

  it('reports the paused switch before any plan is needed', async () => {
    const sim = await simulateNotification({ runbooks, registry, config: config('enforce'), now: NOW, paused: true }, lag());
    expect(sim.paused).to.equal(true);
    expect(sim.alerts[0]!.steps[1]!.decision).to.include({ verdict: 'block', reason: 'paused' });
  });

  it('lists the reverts and the recovery steps for a resolved alert', async () => {
    const sim = await simulateNotification({ runbooks, registry, config: config('dry-run'), now: NOW }, lag('resolved'));
    const [a] = sim.alerts;
    expect(a!.trigger).to.equal('resolved');
    expect(a!.reverts).to.deep.equal(['throttle']);
    expect(a!.steps.map((s) => [s.id, s.decision?.reason])).to.deep.equal([['recheck', 'read-only']]);
  });

  it('opens an evidence-only incident for an alert no runbook matches', async () => {
    const body = notification([alert({ fingerprint: 'x', startsAt: '2026-03-01T10:00:00Z', labels: { alertname: 'Other' } })], '{}:{alertname="Other"}');
    const sim = await simulateNotification({ runbooks, registry, config: config('enforce'), now: NOW }, body);
    expect(sim.alerts[0]).to.include({ runbook: null, incidentKey: '{}:{alertname="Other"}' });
    expect(sim.alerts[0]!.steps).to.deep.equal([]);
  });

  it('reports a template problem on the step instead of failing the simulation', async () => {
    const sim = await simulateNotification({ runbooks, registry, config: config('enforce'), now: NOW }, lag('firing', { client: '' }));
    // An empty client renders to "" which the action schema refuses.
    expect(sim.alerts[0]!.steps[1]!.error?.code).to.equal('RUNBOOK_INVALID_PARAMS');
    expect(sim.alerts[0]!.steps[1]!.decision).to.equal(null);
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
