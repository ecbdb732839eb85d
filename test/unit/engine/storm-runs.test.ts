/** Storm control in the engine: new alerts join a run that has not ended; run starts per minute are capped. */
import { expect } from 'chai';
import { processNotification } from '../../../src/incidents/process.ts';
import { notification } from '../incidents/payloads.ts';
import { engineEnv, onlyIncident, type EngineEnv } from './support/engine-env.ts';
import { THROTTLE_RUNBOOK } from './support/runbooks.ts';
import { lagAlert, lagNotification } from './support/alerts.ts';

/** A runbook whose first step waits until the test opens the gate `evidence`. */
const GATED_RUNBOOK = `
name: gated
description: Waits for evidence, then throttles.
match: ['alertname="Lag"']
groupBy: [cluster, group]
steps:
  - id: evidence
    phase: identification
    action: test.gate
    with: { name: evidence }
  - id: throttle
    phase: containment
    action: test.quota
    with: { client: "{{ labels.client }}", rate: 1048576 }
`;

describe('engine: storm control', () => {
  let env: EngineEnv;
  afterEach(async () => {
    await env.close();
  });

  /** Processes a notification as the app does, without waiting for the runs it starts. */
  async function process(body: unknown): Promise<void> {
    const stored = await env.store.appendNotification(body, new Date(env.clock.now()).toISOString());
    const result = await processNotification({ store: env.store, clock: env.clock, logger: env.logger }, stored, {
      keyFor: env.engine.keyFor,
      withinTransaction: env.engine.withinTransaction,
    });
    await env.engine.afterProcess(result);
  }

  it('lets new alerts of an incident join its firing run while that run has not ended and for a minute after, and requests a new one later', async () => {
    env = await engineEnv([GATED_RUNBOOK]);
    await process(lagNotification());
    await env.system.gate('evidence').entered;
    for (let i = 2; i <= 4; i++) await process(notification([lagAlert('firing', { fingerprint: `lag-${i}`, labels: { partition: String(i) } })], '{}:{alertname="Lag"}'));
    const id = await onlyIncident(env.store);
    expect((await env.store.runs({ incidentId: id })).map((r) => r.status)).to.deep.equal(['running']);
    env.system.gate('evidence').open();
    await env.engine.idle();
    // The run ended; within the minute a new alert still joins it.
    env.clock.advance(59_000);
    await env.deliver(notification([lagAlert('firing', { fingerprint: 'lag-5', labels: { partition: '5' } })], '{}:{alertname="Lag"}'));
    expect((await env.store.runs({ incidentId: id })).map((r) => r.status)).to.deep.equal(['succeeded']);
    env.clock.advance(1_000);
    await env.deliver(notification([lagAlert('firing', { fingerprint: 'lag-6', labels: { partition: '6' } })], '{}:{alertname="Lag"}'));
    expect((await env.store.runs({ incidentId: id })).map((r) => r.status)).to.deep.equal(['succeeded', 'succeeded']);
  });

  it('starts at most maxRunStartsPerMinute runs in a minute; the others wait, pending, in order', async () => {
    env = await engineEnv([THROTTLE_RUNBOOK], { maxRunStartsPerMinute: 2 });
    for (const group of ['a', 'b', 'c']) {
      await env.deliver(notification([lagAlert('firing', { fingerprint: `lag-${group}`, labels: { group, client: `client-${group}` } })], `{}:{group="${group}"}`));
    }
    const statuses = async () => (await env.store.runs({})).map((r) => [r.groupKey, r.status]);
    expect(await statuses()).to.deep.equal([
      ['throttle{cluster="prod-eu",group="a"}', 'succeeded'],
      ['throttle{cluster="prod-eu",group="b"}', 'succeeded'],
      ['throttle{cluster="prod-eu",group="c"}', 'pending'],
    ]);
    env.clock.advance(60_000);
    env.engine.kick();
    await env.engine.idle();
    expect((await statuses()).map(([, status]) => status)).to.deep.equal(['succeeded', 'succeeded', 'succeeded']);
  });
});
