/**
 * `firebreak_timeline_entries_total` is counted by the record stage, not by whoever appends: every
 * committed entry of the app, appended by any path (processing, the engine's runs, responders'
 * operations, closing) is counted exactly once, and a rolled-back one never. The recorders' own
 * entries (`annotation.*`) are counted by the app's wiring too: see the Grafana integration test.
 */
import { expect } from 'chai';
import { createApp, type App } from '../../../src/app.ts';
import { CONFIG_DEFAULTS } from '../../../src/config/schema.ts';
import { lazyKafkaAdmin } from '../../../src/engine/kafka.ts';
import { createEngine } from '../../../src/engine/engine.ts';
import { DEFAULT_ENGINE_LIMITS } from '../../../src/model/engine.ts';
import { closeIncident } from '../../../src/incidents/lifecycle.ts';
import { addActionItem, addNote, assignRole, postStatusUpdate } from '../../../src/incidents/operations.ts';
import { createMetrics, type Metrics } from '../../../src/metrics/metrics.ts';
import type { TimelineKind } from '../../../src/model/incident.ts';
import { openMemoryStore, type MemoryStore } from '../incidents/memory-store.ts';
import { testRunbookSet, THROTTLE_RUNBOOK } from '../engine/support/runbooks.ts';
import { lagNotification } from '../engine/support/alerts.ts';
import { TestSystem, testConditions, testRegistry } from '../engine/support/test-actions.ts';

/** The counter's samples by kind, from the text exposition. */
async function counted(metrics: Metrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const line of (await metrics.render()).body.split('\n')) {
    const m = /^firebreak_timeline_entries_total\{kind="([^"]+)"\} (\d+)$/.exec(line);
    if (m !== null) out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** Every entry in the store, counted by kind. */
async function stored(memory: MemoryStore): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const { items } = await memory.store.listIncidents({ limit: 100 });
  for (const incident of items) for (const entry of await memory.store.timeline(incident.id, { limit: 1_000 })) out[entry.kind] = (out[entry.kind] ?? 0) + 1;
  return out;
}

describe('the timeline-entry metric, counted by the record stage', () => {
  let memory: MemoryStore;
  let metrics: Metrics;
  let app: App;

  beforeEach(async () => {
    memory = await openMemoryStore();
    metrics = createMetrics({ processMetrics: false });
    const system = new TestSystem();
    system.values.set('lag:billing', 52_000);
    const registry = testConditions(testRegistry(system), system);
    const runbooks = await testRunbookSet(registry, { current: [THROTTLE_RUNBOOK] });
    app = createApp({
      config: { limits: { webhookBodyBytes: CONFIG_DEFAULTS.limits.webhookBodyBytes, apiBodyBytes: CONFIG_DEFAULTS.limits.apiBodyBytes, shutdownGraceMs: 1_000 } },
      auth: { disabled: true, webhook: {}, apiTokens: [] },
      store: memory.store,
      clock: memory.clock,
      logger: memory.logger,
      metrics,
      engine: ({ store, metrics: appMetrics, submitNotification }) =>
        createEngine({
          store,
          clock: memory.clock,
          logger: memory.logger,
          metrics: appMetrics,
          runbooks,
          registry,
          kafka: lazyKafkaAdmin(null, () => {
            throw new Error('no Kafka in unit tests');
          }),
          config: { mode: 'enforce', safety: { minQuotaByteRate: 65_536, minRetentionMs: 3_600_000, protectedTopics: [] }, engine: { ...DEFAULT_ENGINE_LIMITS } },
          sleep: async (ms) => memory.clock.advance(ms),
          timerPollMs: 0,
          submitNotification,
        }),
    });
    app.start();
  });

  afterEach(async () => {
    await app.stop(1_000);
    await memory.store.close();
  });

  async function deliver(body: Record<string, unknown>): Promise<void> {
    const notification = await app.store.appendNotification(body, new Date(memory.clock.now()).toISOString());
    app.pipeline.kick(notification.id);
    await app.pipeline.idle();
    await app.engine?.idle();
  }

  it('counts each committed entry once, whichever path appended it', async () => {
    await deliver(lagNotification('firing'));
    const { items } = await app.store.listIncidents({ limit: 10 });
    const id = items[0]!.id;
    const ops = { store: app.store, clock: memory.clock };
    await addNote(ops, id, { text: 'producers slowed' }, 'alice');
    await assignRole(ops, id, { role: 'commander', person: 'alice' }, 'alice');
    await addActionItem(ops, id, { title: 'review capacity' }, 'alice');
    await postStatusUpdate(ops, id, { known: 'lag', doing: 'throttling', nextUpdateAt: null }, 'alice');
    await deliver(lagNotification('resolved'));
    await closeIncident(app.store, id, 'alice', memory.clock.now());

    const inStore = await stored(memory);
    // Every path took part: processing, the engine (runs, steps, status), operations, closing.
    for (const kind of ['alert.firing', 'alert.resolved', 'runbook.matched', 'step.succeeded', 'incident.status', 'note', 'role.assigned', 'action-item.added', 'status.update'] satisfies TimelineKind[]) {
      expect(inStore[kind], kind).to.be.greaterThan(0);
    }
    expect(await counted(metrics)).to.deep.equal(inStore);
  });

  it('counts nothing of a rolled-back transaction, nor of a refused close', async () => {
    await deliver(lagNotification('firing'));
    const { items } = await app.store.listIncidents({ limit: 10 });
    const id = items[0]!.id;
    await closeIncident(app.store, id, 'alice', memory.clock.now());
    const before = await counted(metrics);
    // Closing twice is refused: no entry, nothing counted.
    await closeIncident(app.store, id, 'alice', memory.clock.now()).then(
      () => expect.fail('a second close must be refused'),
      (err: unknown) => expect(err).to.have.property('code', 'INCIDENT_INVALID_TRANSITION'),
    );
    await app.store
      .transaction(async (tx) => {
        await tx.appendTimeline({ incidentId: id, at: new Date(memory.clock.now()).toISOString(), phase: null, kind: 'note', actor: 'alice', summary: 'lost', data: {} });
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await counted(metrics)).to.deep.equal(before);
    expect(await counted(metrics)).to.deep.equal(await stored(memory));
  });
});
