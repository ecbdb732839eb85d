/** Retries for retriable errors only, with exponential backoff; onFailure; per-attempt timeouts. */
import { expect } from 'chai';
import { engineEnv, onlyIncident, type EngineEnv } from './support/engine-env.ts';
import { lagNotification } from './support/alerts.ts';

function flakyRunbook(step: string): string {
  return `
name: flaky
description: A step that fails first.
match: ['alertname="Lag"']
groupBy: [group]
steps:
${step}
  - id: after
    phase: identification
    action: test.read
    with: { key: "after" }
`;
}

describe('engine: step failures', () => {
  let env: EngineEnv;
  afterEach(async () => {
    await env.close();
  });

  it('retries a retriable failure with exponential backoff until it succeeds', async () => {
    env = await engineEnv([
      flakyRunbook(`  - id: probe
    phase: identification
    action: test.flaky
    with: { key: "p", failures: 2, retriable: true }
    retries: { count: 3, backoff: 2s }`),
    ]);
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    expect(env.system.attempts.get('p')).to.equal(3);
    expect(env.delays).to.deep.equal([2000, 4000]);
    const succeeded = (await env.timeline(id)).find((e) => e.kind === 'step.succeeded' && e.data.stepId === 'probe')!;
    expect(succeeded.data.attempts).to.equal(3);
    expect(succeeded.data.output).to.deep.equal({ attempts: 3 });
  });

  it('never retries a permanent failure, and aborts the run by default', async () => {
    env = await engineEnv([
      flakyRunbook(`  - id: probe
    phase: identification
    action: test.flaky
    with: { key: "p", failures: 1, retriable: false }
    retries: { count: 3, backoff: 1s }`),
    ]);
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    expect(env.system.attempts.get('p')).to.equal(1);
    expect(env.delays).to.deep.equal([]);
    const failed = (await env.timeline(id)).find((e) => e.kind === 'step.failed')!;
    expect(failed.data).to.deep.include({ stepId: 'probe', attempts: 1 });
    expect(failed.data.error).to.deep.include({ code: 'TEST_FLAKY', retriable: false });
    expect(env.system.calls).to.not.include('execute test.read after');
    expect((await env.store.runs({ incidentId: id }))[0]?.status).to.equal('failed');
  });

  it('gives up after the last retry, and goes on with the next step under onFailure: continue', async () => {
    env = await engineEnv([
      flakyRunbook(`  - id: probe
    phase: identification
    action: test.flaky
    with: { key: "p", failures: 5, retriable: true }
    retries: { count: 2, backoff: 500ms }
    onFailure: continue`),
    ]);
    await env.deliver(lagNotification());
    expect(env.system.attempts.get('p')).to.equal(3);
    expect(env.delays).to.deep.equal([500, 1000]);
    expect(env.system.calls).to.include('execute test.read after');
    const id = await onlyIncident(env.store);
    const [run] = await env.store.runs({ incidentId: id });
    expect(run?.status).to.equal('failed');
    expect(run?.steps).to.deep.include({ probe: { status: 'failed', output: null } });
  });

  it('bounds each attempt by the step timeout', async () => {
    env = await engineEnv([
      flakyRunbook(`  - id: stuck
    phase: identification
    action: test.gate
    with: { name: "never" }
    timeout: 30ms`),
    ]);
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    const failed = (await env.timeline(id)).find((e) => e.kind === 'step.failed')!;
    expect(failed.data.error).to.deep.include({ code: 'ENGINE_STEP_TIMEOUT', retriable: true });
  });

  it('fails a Kafka step with ENGINE_KAFKA_NOT_CONFIGURED when no brokers are configured', async () => {
    env = await engineEnv(
      [
        `
name: cluster
description: Evidence from the cluster.
match: ['alertname="Lag"']
groupBy: [group]
steps:
  - id: cluster
    phase: identification
    action: kafka.describeCluster
`,
      ],
      { kafkaActions: true },
    );
    await env.deliver(lagNotification());
    const failed = (await env.timeline(await onlyIncident(env.store))).find((e) => e.kind === 'step.failed')!;
    expect(failed.data).to.deep.include({ stepId: 'cluster', action: 'kafka.describeCluster' });
    expect((failed.data.error as { code: string }).code).to.equal('ENGINE_KAFKA_NOT_CONFIGURED');
  });

  const QUOTA_WITH_RETRIES = `
name: retried-change
description: A change with retries.
match: ['alertname="Lag"']
groupBy: [group]
steps:
  - id: throttle
    phase: containment
    action: test.quota
    with: { client: "loadgen", rate: 1048576 }
    retries: { count: 2, backoff: 1s }
`;

  it('retries a change that failed before changing anything (the live state still matches the plan)', async () => {
    env = await engineEnv([QUOTA_WITH_RETRIES]);
    env.system.failNext.set('quota:loadgen', 'before');
    await env.deliver(lagNotification());
    expect(env.system.values.get('quota:loadgen')).to.equal(1_048_576);
    expect(env.delays).to.deep.equal([1000]);
    const succeeded = (await env.timeline(await onlyIncident(env.store))).find((e) => e.kind === 'step.succeeded')!;
    expect(succeeded.data.prior).to.deep.equal({ key: 'quota:loadgen', value: null });
  });

  it('does not retry a change that may have been applied, so its prior state is not lost', async () => {
    env = await engineEnv([QUOTA_WITH_RETRIES]);
    env.system.failNext.set('quota:loadgen', 'after');
    await env.deliver(lagNotification());
    expect(env.system.calls.filter((c) => c.startsWith('execute'))).to.deep.equal(['execute test.quota quota:loadgen']);
    const failed = (await env.timeline(await onlyIncident(env.store))).find((e) => e.kind === 'step.failed')!;
    expect(failed.data.error).to.deep.include({ code: 'ENGINE_STEP_OUTCOME_UNKNOWN' });
    const started = (await env.timeline(await onlyIncident(env.store))).find((e) => e.kind === 'step.started')!;
    expect((started.data.plan as { changes: unknown[] }).changes).to.deep.equal([{ resource: 'quota:client-id=loadgen', key: 'producer_byte_rate', from: null, to: 1048576 }]);
  });

  it('retries a plan whose live-state read failed with a retriable error, with the step\'s backoff', async () => {
    env = await engineEnv([QUOTA_WITH_RETRIES]);
    env.system.failPlans.set('quota:loadgen', 2);
    await env.deliver(lagNotification());
    expect(env.system.values.get('quota:loadgen')).to.equal(1_048_576);
    expect(env.delays).to.deep.equal([1000, 2000]);
    expect(env.system.calls.filter((c) => c.startsWith('plan'))).to.have.length(3);
  });

  it('blocks a change whose plan keeps failing, naming the error in the summary', async () => {
    env = await engineEnv([QUOTA_WITH_RETRIES]);
    env.system.failPlans.set('quota:loadgen', 5);
    await env.deliver(lagNotification());
    expect(env.system.values.has('quota:loadgen')).to.equal(false);
    const blocked = (await env.timeline(await onlyIncident(env.store))).find((e) => e.kind === 'step.blocked')!;
    expect(blocked.summary).to.equal(
      'Step throttle blocked: no plan for mutating step throttle: its changes cannot be checked (TEST_UNREACHABLE: no broker answered the read (after 3 attempts))',
    );
    expect(blocked.data.planError).to.deep.include({ code: 'TEST_UNREACHABLE', retriable: true });
    const [run] = await env.store.runs({ incidentId: await onlyIncident(env.store) });
    expect(run).to.include({ status: 'blocked' });
  });
});
