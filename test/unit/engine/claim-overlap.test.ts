/**
 * A step whose action declares `readsBeforeClaim` starts its execute while the engine commits
 * the step's claim, so its reads overlap the commit, and changes nothing until the claim is
 * durable (`ctx.beforeChange`). Asserted by the order of events: the action's read, the end of
 * the claim's transaction (its promise resolves only once the commit is durable), the write.
 */
import { expect } from 'chai';
import type { Store } from '../../../src/store/types.ts';
import { engineEnv, onlyIncident, type EngineEnv } from './support/engine-env.ts';
import { lagNotification } from './support/alerts.ts';
import { THROTTLE_RUNBOOK } from './support/runbooks.ts';
import { observeTransactions } from './support/observe-store.ts';

const EARLY_RUNBOOK = `
name: early
description: Throttle a producer, reading while the claim commits.
match: ['alertname="Lag"']
groupBy: [cluster, group]
steps:
  - id: throttle
    phase: containment
    action: test.early
    with: { client: "{{ labels.client }}", rate: 1048576 }
`;

/** Notes `claim durable` in `calls` once a transaction that claimed a step resolved. */
function observeClaims(store: Store, calls: string[], options: { failClaim?: boolean } = {}): void {
  observeTransactions(
    store,
    (methods) => {
      if (methods.includes('claimStep')) calls.push('claim durable');
    },
    (methods) => options.failClaim === true && methods.includes('claimStep'),
  );
}

describe('engine: reads beside the claim, changes after it', () => {
  let env: EngineEnv;
  afterEach(async () => {
    await env.close();
  });

  it('starts the execute of a readsBeforeClaim step before its claim is durable, and writes only after', async () => {
    env = await engineEnv([EARLY_RUNBOOK]);
    observeClaims(env.store, env.system.calls);
    await env.deliver(lagNotification());
    const calls = env.system.calls.filter((c) => c === 'claim durable' || /^(read|write) /.test(c));
    expect(calls).to.deep.equal(['read quota:loadgen', 'claim durable', 'write quota:loadgen']);
    const id = await onlyIncident(env.store);
    expect((await env.store.stepClaims({ incidentId: id })).map((c) => [c.stepId, c.status])).to.deep.equal([['throttle', 'succeeded']]);
    expect(env.system.values.get('quota:loadgen')).to.equal(1_048_576);
  });

  it('hands execute the plan its claim records (ctx.planned), made by the same action in the same step', async () => {
    env = await engineEnv([THROTTLE_RUNBOOK]);
    env.system.values.set('quota:loadgen', 2_097_152);
    await env.deliver(lagNotification());
    const id = await onlyIncident(env.store);
    const [claim] = (await env.store.stepClaims({ incidentId: id })).filter((c) => c.stepId === 'throttle');
    expect(claim?.plan).to.deep.include({ changes: [{ resource: 'quota:client-id=loadgen', key: 'producer_byte_rate', from: 2_097_152, to: 1_048_576 }] });
    expect(env.system.planned.get('quota:loadgen')).to.deep.equal([claim?.plan]);
  });

  it('changes nothing when the claim cannot be written', async () => {
    env = await engineEnv([EARLY_RUNBOOK]);
    observeClaims(env.store, env.system.calls, { failClaim: true });
    await env.deliver(lagNotification());
    expect(env.system.calls).to.include('read quota:loadgen');
    expect(env.system.calls).to.not.include('write quota:loadgen');
    expect(env.system.values.has('quota:loadgen')).to.equal(false);
    const id = await onlyIncident(env.store);
    expect(await env.store.stepClaims({ incidentId: id })).to.deep.equal([]);
  });
});
