/**
 * Several engines on one PostgreSQL store, as replicas run them: a replica that starts while
 * another executes a step leaves it alone; one that stalls past its lease is taken over, its
 * step recorded as interrupted and never run again, and what it writes afterwards is fenced off;
 * a run another replica queued wakes an idle one through LISTEN/NOTIFY; the same notification
 * processed by two replicas at once runs each step once.
 */
import { expect } from 'chai';
import { systemClock, FakeClock, type Clock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { createEngine, type Engine } from '../../../src/engine/engine.ts';
import { lazyKafkaAdmin } from '../../../src/engine/kafka.ts';
import type { EngineConfig } from '../../../src/engine/settings.ts';
import { DEFAULT_ENGINE_LIMITS } from '../../../src/model/engine.ts';
import { processNotification } from '../../../src/incidents/process.ts';
import { createMetrics } from '../../../src/metrics/metrics.ts';
import { openPostgresStore } from '../../../src/store/postgres/index.ts';
import type { Store } from '../../../src/store/types.ts';
import { waitFor } from '../../support/eventually.ts';
import { usePostgres } from '../../support/postgres.ts';
import { lagNotification } from '../../unit/engine/support/alerts.ts';
import { testRunbookSet } from '../../unit/engine/support/runbooks.ts';
import { TestSystem, testRegistry } from '../../unit/engine/support/test-actions.ts';

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

const config: EngineConfig = {
  mode: 'enforce',
  safety: { minQuotaByteRate: 65_536, minRetentionMs: 3_600_000, protectedTopics: [] },
  engine: { ...DEFAULT_ENGINE_LIMITS },
};

interface Replica {
  store: Store;
  engine: Engine;
  clock: Clock;
  /** Stores and processes a notification as the webhook and pipeline of this replica do. */
  deliver(body: unknown, options?: { wake?: boolean }): Promise<void>;
}

describe('replicas: run leases on PostgreSQL', function () {
  this.timeout(60_000);
  let url: string;
  let system: TestSystem;
  const replicas: Replica[] = [];

  beforeEach(async function () {
    this.timeout(180_000);
    url = await (await usePostgres()).createDatabase('leases');
    system = new TestSystem();
  });
  afterEach(async () => {
    system.gate('slow').open();
    for (const r of replicas.splice(0)) {
      await r.engine.close(0);
      await r.store.close();
    }
  });

  async function replica(options: { clock?: Clock; leaseMs?: number } = {}): Promise<Replica> {
    const clock = options.clock ?? systemClock;
    const logger = silentLogger();
    const store = await openPostgresStore({ url, logger, clock });
    await store.migrate();
    const registry = testRegistry(system);
    const runbooks = await testRunbookSet(registry, { current: [SLOW_RUNBOOK] });
    const engine = createEngine({
      store,
      clock,
      logger,
      metrics: createMetrics({ processMetrics: false }),
      runbooks,
      registry,
      kafka: lazyKafkaAdmin(null, () => {
        throw new Error('no Kafka here');
      }),
      config,
      leases: { exclusive: false, leaseMs: options.leaseMs ?? 1_000 },
    });
    const r: Replica = {
      store,
      engine,
      clock,
      async deliver(body, { wake = true } = {}) {
        const stored = await store.appendNotification(body, new Date(clock.now()).toISOString());
        const result = await processNotification({ store, clock, logger }, stored, { keyFor: engine.keyFor, withinTransaction: engine.withinTransaction });
        if (wake) await engine.afterProcess(result);
      },
    };
    replicas.push(r);
    await engine.start();
    return r;
  }

  async function onlyRun(store: Store) {
    const { items } = await store.listIncidents({ limit: 10 });
    expect(items).to.have.length(1);
    const runs = await store.runs({ incidentId: items[0]!.id });
    expect(runs).to.have.length(1);
    return runs[0]!;
  }

  it('leaves a step another live replica executes alone, however long it takes, and it finishes once', async () => {
    const a = await replica();
    await a.deliver(lagNotification());
    await system.gate('slow').entered;
    const b = await replica();
    const held = await onlyRun(b.store);
    // Three leases go by while replica A executes the step: its heartbeat keeps the run.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const still = await b.store.getRun(held.id);
    expect(still).to.include({ status: 'running', owner: held.owner, fence: held.fence });
    expect((await b.store.stepClaims({ runId: held.id })).map((c) => c.status)).to.deep.equal(['running']);
    system.gate('slow').open();
    await waitFor('the run finished', async () => ((await b.store.getRun(held.id))?.status === 'succeeded' ? true : undefined));
    expect(system.calls.filter((c) => c.startsWith('execute'))).to.deep.equal(['execute test.gate slow', 'execute test.quota quota:loadgen']);
  });

  it('takes over a run whose replica stalled past its lease: the step is interrupted, never run again, and the stalled replica writes nothing', async () => {
    // Replica A's leases are already over when written: to the others it looks stalled.
    const a = await replica({ clock: new FakeClock(Date.now() - 600_000) });
    await a.deliver(lagNotification());
    await system.gate('slow').entered;
    const taken = await onlyRun(a.store);
    expect(taken.owner).to.be.a('string');

    const b = await replica();
    const run = await waitFor('the run taken over', async () => {
      const current = await b.store.getRun(taken.id);
      return current?.status === 'interrupted' ? current : undefined;
    });
    expect(run.fence).to.equal(taken.fence + 1);
    const timeline = await b.store.timeline(run.incidentId);
    const interrupted = timeline.find((e) => e.kind === 'run.interrupted');
    expect(interrupted?.data).to.deep.include({ stepId: 'slow', owner: taken.owner });

    // Replica A wakes up and its step returns: nothing it writes lands.
    system.gate('slow').open();
    await a.engine.idle();
    expect((await b.store.stepClaims({ runId: run.id })).map((c) => [c.stepId, c.status])).to.deep.equal([['slow', 'interrupted']]);
    expect((await b.store.getRun(run.id))?.status).to.equal('interrupted');
    const after = await b.store.timeline(run.incidentId);
    expect(after.map((e) => e.kind)).to.not.include('step.succeeded');
    expect(after.length).to.equal(timeline.length);
    expect(system.calls.filter((c) => c.startsWith('execute'))).to.deep.equal(['execute test.gate slow']);
    expect(system.values.has('quota:loadgen')).to.equal(false);
  });

  it('wakes an idle replica through LISTEN/NOTIFY when another commits a run, long before any sweep', async () => {
    system.gate('slow').open();
    const idle = await replica({ leaseMs: 120_000 });
    const busy = await replica({ leaseMs: 120_000 });
    // Processed on one replica without waking its own worker: only the notification can start it.
    await busy.deliver(lagNotification(), { wake: false });
    const started = Date.now();
    const run = await waitFor('the run executed', async () => {
      const r = await onlyRun(idle.store);
      return r.status === 'succeeded' ? r : undefined;
    });
    expect(Date.now() - started).to.be.below(10_000);
    expect(run.owner).to.be.a('string');
    expect(system.calls.filter((c) => c.startsWith('execute'))).to.deep.equal(['execute test.gate slow', 'execute test.quota quota:loadgen']);
  });

  it('runs each step once when two replicas process the same notification at the same moment', async () => {
    system.gate('slow').open();
    const a = await replica();
    const b = await replica();
    const body = lagNotification();
    await Promise.all([a.deliver(body), b.deliver(body)]);
    await waitFor('every run finished', async () => {
      const { items } = await a.store.listIncidents({ limit: 10 });
      if (items.length !== 1) return undefined;
      const runs = await a.store.runs({ incidentId: items[0]!.id });
      return runs.every((r) => !['pending', 'running'].includes(r.status)) ? runs : undefined;
    });
    await Promise.all([a.engine.idle(), b.engine.idle()]);
    expect(system.calls.filter((c) => c.startsWith('execute'))).to.deep.equal(['execute test.gate slow', 'execute test.quota quota:loadgen']);
    const { items } = await a.store.listIncidents({ limit: 10 });
    expect(items).to.have.length(1);
    expect((await a.store.alertEvents(items[0]!.id))).to.have.length(1);
  });
});
