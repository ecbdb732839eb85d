import { expect } from 'chai';
import { FakeClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { FirebreakError } from '../../../src/errors.ts';
import type { StoredNotification } from '../../../src/model/incident.ts';
import { processNotification, type ProcessResult } from '../../../src/incidents/process.ts';
import { createPipeline, type PipelineDeps, type Processor } from '../../../src/ingest/pipeline.ts';
import { createMetrics } from '../../../src/metrics/metrics.ts';
import { openSqliteStore } from '../../../src/store/sqlite/index.ts';
import type { Store } from '../../../src/store/types.ts';
import groupedFiring from '../../fixtures/alertmanager/grouped-firing.json' with { type: 'json' };
import groupedResolved from '../../fixtures/alertmanager/grouped-resolved.json' with { type: 'json' };
import unicodeLabels from '../../fixtures/alertmanager/unicode-labels.json' with { type: 'json' };

describe('processing pipeline', () => {
  let clock: FakeClock;
  let store: Store;
  const logger = silentLogger();

  beforeEach(async () => {
    clock = new FakeClock('2026-03-02T09:20:00Z');
    store = await openSqliteStore({ path: ':memory:', logger, clock });
    await store.migrate();
  });

  afterEach(async () => {
    await store.close();
  });

  const realProcessor: () => Processor = () => (stored) => processNotification({ store, clock, logger }, stored);

  function pipeline(overrides: Partial<PipelineDeps> = {}) {
    const metrics = createMetrics({ processMetrics: false });
    return {
      metrics,
      pipeline: createPipeline({ store, logger, metrics, process: realProcessor(), retryDelaysMs: [0, 0], ...overrides }),
    };
  }

  async function append(payload: unknown): Promise<StoredNotification> {
    return store.appendNotification(payload, new Date(clock.now()).toISOString());
  }

  it('processes notifications stored before it started, oldest first, then ones kicked later', async () => {
    const seen: number[] = [];
    const first = await append(groupedFiring);
    const second = await append(unicodeLabels);
    const { pipeline: p } = pipeline({ hooks: [async (result) => void seen.push(result.notificationId)] });
    p.kick();
    await p.idle();
    const third = await append(groupedResolved);
    p.kick(third.id);
    await p.idle();
    expect(seen).to.deep.equal([first.id, second.id, third.id]);
    expect(await store.unprocessedNotifications(10)).to.deep.equal([]);
    expect(p.pending()).to.equal(0);
    const incidents = await store.listIncidents({ limit: 10 });
    expect(incidents.items.map((i) => i.status).sort()).to.deep.equal(['open', 'resolved']);
  });

  it('retries a retriable failure and then succeeds', async () => {
    const stored = await append(groupedFiring);
    let calls = 0;
    const real = realProcessor();
    const { pipeline: p } = pipeline({
      process: async (n) => {
        calls += 1;
        if (calls < 3) throw new FirebreakError('STORE_UNAVAILABLE', 'database is locked', { retriable: true });
        return real(n);
      },
    });
    p.kick(stored.id);
    await p.idle();
    expect(calls).to.equal(3);
    expect((await store.getNotification(stored.id))?.processedAt).to.be.a('string');
  });

  it('sets aside a notification that keeps failing, keeps it stored unprocessed, and goes on with the next', async () => {
    const stuck = await append(groupedFiring);
    const next = await append(unicodeLabels);
    const real = realProcessor();
    let stuckCalls = 0;
    const { pipeline: p, metrics } = pipeline({
      process: async (n) => {
        if (n.id === stuck.id) {
          stuckCalls += 1;
          throw new FirebreakError('STORE_UNAVAILABLE', 'disk I/O error', { retriable: true });
        }
        return real(n);
      },
    });
    p.kick();
    await p.idle();
    expect(stuckCalls).to.equal(3);
    expect((await store.getNotification(next.id))?.processedAt).to.be.a('string');
    expect((await store.unprocessedNotifications(10)).map((n) => n.id)).to.deep.equal([stuck.id]);
    expect(p.pending()).to.equal(1);
    // A kick right away does not retry it: it is looked at again after resumeAfterMs.
    p.kick();
    await p.idle();
    expect(stuckCalls).to.equal(3);
    const { body } = await metrics.render();
    expect(body).to.include('firebreak_notifications_pending 1');
    expect(body).to.include('firebreak_store_errors_total{operation="processNotification"} 3');
  });

  it('tries a notification set aside by a store outage again once the store answers, without a restart', async () => {
    const stuck = await append(groupedFiring);
    const real = realProcessor();
    let storeDown = true;
    let calls = 0;
    let resumed: () => void = () => {};
    const processedAgain = new Promise<void>((resolve) => (resumed = resolve));
    const { pipeline: p } = pipeline({
      resumeAfterMs: 10,
      process: async (n) => {
        calls += 1;
        if (storeDown) throw new FirebreakError('STORE_UNAVAILABLE', 'connection refused', { retriable: true });
        const result = await real(n);
        resumed();
        return result;
      },
    });
    p.kick();
    await p.idle();
    expect(calls).to.equal(3);
    expect((await store.getNotification(stuck.id))?.processedAt).to.equal(null);
    storeDown = false;
    await processedAgain;
    await p.idle();
    expect((await store.getNotification(stuck.id))?.processedAt).to.be.a('string');
    expect(p.pending()).to.equal(0);
    await p.close(0);
  });

  it('does not retry a notification the processor recorded as permanently failed', async () => {
    const bad = await append({ version: '4', groupKey: 'g', status: 'firing', receiver: 'r', alerts: {} });
    let calls = 0;
    const real = realProcessor();
    const { pipeline: p } = pipeline({
      process: async (n) => {
        calls += 1;
        return real(n);
      },
    });
    p.kick(bad.id);
    await p.idle();
    expect(calls).to.equal(1);
    const stored = await store.getNotification(bad.id);
    expect(stored?.processedAt).to.be.a('string');
    expect(stored?.error).to.match(/^INCIDENT_INVALID_NOTIFICATION: /);
    expect(p.pending()).to.equal(0);
  });

  it('runs every hook in order after each notification; a failing hook stops neither the others nor processing', async () => {
    const calls: string[] = [];
    const a = await append(groupedFiring);
    const b = await append(unicodeLabels);
    const { pipeline: p } = pipeline({
      hooks: [
        async (result: ProcessResult) => {
          calls.push(`boom:${result.notificationId}`);
          throw new Error('engine exploded');
        },
        async (result: ProcessResult, stored) => {
          expect(stored.id).to.equal(result.notificationId);
          calls.push(`engine:${result.notificationId}:${result.incidents.length}`);
        },
      ],
    });
    p.kick();
    await p.idle();
    expect(calls).to.deep.equal([`boom:${a.id}`, `engine:${a.id}:1`, `boom:${b.id}`, `engine:${b.id}:1`]);
  });

  it('counts duplicates: the same notification stored three times gives one set of timeline entries', async () => {
    const { pipeline: p, metrics } = pipeline();
    for (let i = 0; i < 3; i++) await append(groupedFiring);
    p.kick();
    await p.idle();
    const [incident] = (await store.listIncidents({ limit: 10 })).items;
    const kinds = (await store.timeline(incident!.id)).map((e) => e.kind);
    expect(kinds).to.deep.equal(['incident.opened', 'alert.firing', 'alert.firing', 'alert.firing']);
    const { body } = await metrics.render();
    expect(body).to.include('firebreak_alerts_duplicate_total 6');
  });

  it('on close finishes the notification in progress, then ignores kicks', async () => {
    const stored = await append(groupedFiring);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    const real = realProcessor();
    const { pipeline: p } = pipeline({
      process: async (n) => {
        started = true;
        await gate;
        return real(n);
      },
    });
    p.kick(stored.id);
    while (!started) await new Promise((resolve) => setImmediate(resolve));
    const closing = p.close(60_000);
    let closed = false;
    void closing.then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).to.equal(false);
    release();
    await closing;
    expect((await store.getNotification(stored.id))?.processedAt).to.be.a('string');
    const later = await append(unicodeLabels);
    p.kick(later.id);
    await p.idle();
    expect((await store.getNotification(later.id))?.processedAt).to.equal(null);
  });
});
