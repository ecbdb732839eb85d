/**
 * Reverts are never forgotten: a failed automatic release or a failed revert by hand is tried
 * again with backoff until it works, escalated when it stays stuck, and the schedule lives in the
 * store (a new engine on the same store carries on).
 */
import { expect } from 'chai';
import { engineEnv, onlyIncident, type EngineEnv } from './support/engine-env.ts';
import { lagNotification } from './support/alerts.ts';
import { THROTTLE_RUNBOOK } from './support/runbooks.ts';

const SECOND = 1_000;
const MANUAL_RUNBOOK = THROTTLE_RUNBOOK.replace('with: { client: "{{ labels.client }}", rate: "{{ params.rate }}" }', 'with: { client: "{{ labels.client }}", rate: "{{ params.rate }}" }\n    revert: manual');

describe('engine: revert retries', () => {
  let env: EngineEnv;
  afterEach(async () => {
    await env.close();
  });

  async function contained(runbooks = [THROTTLE_RUNBOOK], engine = {}): Promise<string> {
    env = await engineEnv(runbooks, { engine });
    await env.deliver(lagNotification());
    return onlyIncident(env.store);
  }

  it('retries a failed release with doubling backoff until it works; the resolved run waits and then succeeds', async () => {
    const id = await contained();
    env.system.failReverts.set('quota:loadgen', 3);
    await env.deliver(lagNotification('resolved'));
    expect(env.system.values.get('quota:loadgen')).to.equal(1_048_576);
    expect((await env.store.runs({ incidentId: id, trigger: 'resolved' }))[0]).to.include({ status: 'waiting-release' });
    expect((await env.metrics.render()).body).to.match(/^firebreak_reverts_pending 1$/m);
    const failed = (await env.timeline(id)).filter((e) => e.kind === 'revert.failed');
    expect(failed).to.have.length(1);
    expect(failed[0]!.summary).to.equal('Revert of step throttle failed: broker unavailable; trying again at 2026-03-01T10:01:05.000Z');
    expect(failed[0]!.data.error).to.deep.equal({ code: 'TEST_UNAVAILABLE', message: 'broker unavailable', retriable: true });

    await env.advance(4 * SECOND);
    expect(env.system.calls.filter((c) => c.startsWith('revert')), 'not before its time').to.have.length(1);
    await env.advance(SECOND); // 5s: second attempt fails
    await env.advance(10 * SECOND); // third fails
    await env.advance(20 * SECOND); // fourth works
    expect(env.system.calls.filter((c) => c.startsWith('revert'))).to.have.length(4);
    expect(env.system.values.has('quota:loadgen')).to.equal(false);
    const timeline = await env.timeline(id);
    expect(timeline.filter((e) => e.kind.startsWith('revert.')).map((e) => e.kind)).to.deep.equal([
      'revert.started',
      'revert.failed',
      'revert.started',
      'revert.failed',
      'revert.started',
      'revert.failed',
      'revert.started',
      'revert.succeeded',
    ]);
    expect(timeline.some((e) => e.kind === 'incident.escalated')).to.equal(false);
    expect((await env.store.runs({ incidentId: id, trigger: 'resolved' }))[0]).to.include({ status: 'succeeded' });
    expect((await env.store.getIncident(id))?.status).to.equal('recovered');
    expect((await env.metrics.render()).body).to.match(/^firebreak_reverts_pending 0$/m);
  });

  it('escalates a release still failing after engine.revertEscalateMs, once, and keeps trying', async () => {
    const id = await contained([THROTTLE_RUNBOOK], { revertEscalateMs: 60 * SECOND, revertRetryMaxMs: 20 * SECOND });
    env.system.failReverts.set('quota:loadgen', 100);
    await env.deliver(lagNotification('resolved'));
    for (let i = 0; i < 8; i++) await env.advance(20 * SECOND);
    const escalations = (await env.timeline(id)).filter((e) => e.kind === 'incident.escalated');
    expect(escalations).to.have.length(1);
    expect(escalations[0]!.data).to.deep.include({ reason: 'revert-stuck', stepId: 'throttle', retrying: true });
    expect(escalations[0]!.summary).to.match(/^Releasing step throttle has failed for 1m\d*s? \(TEST_UNAVAILABLE: broker unavailable\); firebreak keeps trying; revert it by hand \(firebreak revert\) if it cannot wait$/);
    expect((await env.metrics.render()).body).to.match(/^firebreak_escalations_total\{reason="revert-stuck"\} 1$/m);
    env.system.failReverts.set('quota:loadgen', 0);
    await env.advance(20 * SECOND);
    expect(env.system.values.has('quota:loadgen')).to.equal(false);
  });

  it('escalates a release that cannot work (an error that is not retriable) at once and leaves it to a person; the run fails', async () => {
    const id = await contained();
    env.system.breakReverts.add('quota:loadgen');
    await env.deliver(lagNotification('resolved'));
    await env.advance(60 * SECOND);
    expect(env.system.calls.filter((c) => c.startsWith('revert'))).to.have.length(1);
    const escalated = (await env.timeline(id)).find((e) => e.kind === 'incident.escalated')!;
    expect(escalated.summary).to.equal('Releasing step throttle failed and cannot be retried (TEST_BROKEN: the record cannot be applied); revert it by hand (firebreak revert)');
    const [run] = await env.store.runs({ incidentId: id, trigger: 'resolved' });
    expect(run).to.include({ status: 'failed', detail: 'ENGINE_RELEASE_FAILED: the release of step throttle did not complete (see its revert entries)' });
    expect((await env.store.getIncident(id))?.status).to.equal('resolved');
    expect((await env.metrics.render()).body).to.match(/^firebreak_reverts_pending 1$/m);
    // The person takes over.
    expect((await env.engine.revert(id, { actor: 'alice' })).results.map((r) => r.status)).to.deep.equal(['reverted']);
    expect((await env.metrics.render()).body).to.match(/^firebreak_reverts_pending 0$/m);
  });

  it('retries a revert by hand that failed, until it works', async () => {
    const id = await contained([MANUAL_RUNBOOK]);
    env.system.failReverts.set('quota:loadgen', 2);
    const report = await env.engine.revert(id, { actor: 'alice' });
    expect(report.results.map((r) => [r.status, r.retriable])).to.deep.equal([['failed', true]]);
    expect((await env.timeline(id)).find((e) => e.kind === 'revert.failed')?.summary).to.equal('Revert of step throttle failed: broker unavailable; trying again at 2026-03-01T10:01:05.000Z');
    await env.advance(5 * SECOND);
    await env.advance(10 * SECOND);
    expect(env.system.values.has('quota:loadgen')).to.equal(false);
    const succeeded = (await env.timeline(id)).find((e) => e.kind === 'revert.succeeded')!;
    expect(succeeded.data).to.deep.include({ trigger: 'manual' });
  });

  it('keeps the schedule in the store: a new engine on the same store carries on a release and a revert a restart interrupted', async () => {
    const id = await contained();
    env.system.failReverts.set('quota:loadgen', 1);
    await env.deliver(lagNotification('resolved'));
    await env.engine.close(0);
    const engine = env.restart();
    await engine.start();
    await env.advance(5 * SECOND);
    expect(env.system.values.has('quota:loadgen')).to.equal(false);
    expect((await env.store.runs({ incidentId: id, trigger: 'resolved' }))[0]).to.include({ status: 'succeeded' });
  });

  it('tries again a revert a restart interrupted', async () => {
    const id = await contained([MANUAL_RUNBOOK]);
    const claim = (await env.store.stepClaims({ incidentId: id })).find((c) => c.stepId === 'throttle');
    await env.store.setRevertStatus(claim!.id, [null], { status: 'reverting', at: '2026-03-01T10:01:00.000Z', by: 'alice', detail: null });
    await env.engine.close(0);
    const engine = env.restart();
    await engine.start();
    expect((await env.timeline(id)).find((e) => e.kind === 'revert.failed')?.summary).to.equal('Revert of step throttle interrupted by a restart; it is tried again');
    await env.advance(5 * SECOND);
    expect(env.system.values.has('quota:loadgen')).to.equal(false);
  });
});
