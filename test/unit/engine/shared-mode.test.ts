/**
 * The mode shared by every replica through the store: a replica that never heard of a change
 * (its own configuration says dry-run) executes once another replica set enforce, and plans only
 * once it is set back to dry-run; a restart with the same configured mode keeps a person's choice;
 * a replica started with a changed configured mode sets it for all.
 */
import { expect } from 'chai';
import { engineEnv, type EngineEnv } from './support/engine-env.ts';
import { lagNotification } from './support/alerts.ts';

const RUNBOOK = `
name: throttle
description: Throttle the producer of a lagging group.
match: ['alertname="Lag"']
groupBy: [cluster, group]
policy: { cooldown: 1m, maxRunsPerHour: 10 }
steps:
  - id: throttle
    phase: containment
    action: test.quota
    with: { client: "{{ labels.client }}", rate: 1000000 }
`;

describe('engine: the mode shared by every replica', () => {
  let env: EngineEnv;
  afterEach(async () => {
    await env.close();
  });

  const stepKinds = async (id: string) => (await env.timeline(id)).filter((e) => e.kind === 'step.planned' || e.kind === 'step.succeeded').map((e) => e.kind);

  it('takes a mode set on another replica at the next decision, and keeps it across a restart with the same configuration', async () => {
    env = await engineEnv([RUNBOOK], { mode: 'dry-run' });
    env.system.values.set('quota:loadgen', 8_000_000);
    const replicaA = env.engine;
    expect(await replicaA.automation()).to.deep.include({ mode: 'dry-run', modeChangedBy: 'configuration' });

    // Another replica on the same store switches to enforce; replica A's configuration still says dry-run.
    const replicaB = env.restart();
    const set = await replicaB.setMode('enforce', 'root', 'rehearsed for a week');
    expect(set).to.deep.include({ mode: 'enforce', modeChangedBy: 'root', modeReason: 'rehearsed for a week', paused: false });
    env.engine = replicaA;
    expect((await replicaA.automation()).mode).to.equal('enforce');
    await env.deliver(lagNotification('firing', { labels: { group: 'orders' } }));
    const [first] = (await env.store.listIncidents({ limit: 10 })).items;
    expect(await stepKinds(first!.id)).to.deep.equal(['step.succeeded']);
    expect(env.system.values.get('quota:loadgen'), 'executed on replica A').to.equal(1_000_000);

    // Back to dry-run from replica B: replica A only plans.
    env.system.values.set('quota:loadgen', 8_000_000);
    await replicaB.setMode('dry-run', 'root', 'a broker is being replaced');
    await env.deliver(lagNotification('firing', { fingerprint: 'lag-2', labels: { group: 'payments' } }));
    const second = (await env.store.listIncidents({ limit: 10 })).items.find((i) => i.id !== first!.id)!;
    expect(await stepKinds(second.id)).to.deep.equal(['step.planned']);
    expect(env.system.values.get('quota:loadgen'), 'planned only').to.equal(8_000_000);

    // A restart with the configuration it had keeps the mode a person set...
    await replicaB.setMode('enforce', 'root', null);
    const restarted = env.restart();
    await restarted.start();
    expect(await restarted.automation()).to.deep.include({ mode: 'enforce', modeChangedBy: 'root' });
    // ...and one whose configured mode changed sets its own, for every replica.
    await restarted.close(0);
    env.config.mode = 'enforce';
    const upgraded = env.restart();
    await upgraded.start();
    await upgraded.close(0);
    env.config.mode = 'dry-run';
    await env.restart().start();
    expect(await replicaA.automation()).to.deep.include({ mode: 'dry-run', modeChangedBy: 'configuration' });
    await Promise.all([replicaA.close(0), replicaB.close(0)]);
  });
});
