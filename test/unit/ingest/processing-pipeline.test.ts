import { expect } from 'chai';
import { FakeClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { FirebreakError } from '../../../src/errors.ts';
import type { StoredNotification } from '../../../src/model/incident.ts';
import type { ProcessResult } from '../../../src/incidents/process.ts';
import { createPipeline, type PipelineDeps } from '../../../src/ingest/pipeline.ts';
import { RunCounts } from '../../../src/ingest/run-counts.ts';
import { eventually } from '../../support/eventually.ts';
import { createMetrics } from '../../../src/metrics/metrics.ts';
import { openSqliteStore } from '../../../src/store/sqlite/index.ts';
import type { Store, StoreTx } from '../../../src/store/types.ts';
import groupedFiring from '../../fixtures/alertmanager/grouped-firing.json' with { type: 'json' };
import groupedResolved from '../../fixtures/alertmanager/grouped-resolved.json' with { type: 'json' };
import unicodeLabels from '../../fixtures/alertmanager/unicode-labels.json' with { type: 'json' };
import { alert, notification } from '../incidents/payloads.ts';

/**
 * The store, with a hook into every call a transaction makes on its tx (to fail or hold it) and
 * a count of transactions.
 */
function interceptedStore(store: Store, intercept: (method: string, args: unknown[]) => void | Promise<void>): Store & { transactions: number } {
  const counted = { transactions: 0 };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'transactions') return counted.transactions;
      if (property === 'transaction') {
        return <T>(fn: (tx: StoreTx) => Promise<T>) =>
          target.transaction((tx) => {
            counted.transactions += 1;
            const wrapped = new Proxy(tx, {
              get(t, p) {
                const value = Reflect.get(t, p) as unknown;
                if (typeof value !== 'function') return value;
                return async (...args: unknown[]) => {
                  await intercept(String(p), args);
                  return (value as (...a: unknown[]) => unknown).apply(t, args);
                };
              },
            });
            return fn(wrapped);
          });
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as Store & { transactions: number };
}

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

  function pipeline(overrides: Partial<PipelineDeps> = {}) {
    const metrics = createMetrics({ processMetrics: false });
    return {
      metrics,
      pipeline: createPipeline({ store, clock, logger, metrics, retryDelaysMs: [0, 0], ...overrides }),
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

  it('counts nothing pending when the kick of a stored notification arrives after it was already processed', async () => {
    // The ack path stores a body, then tells the pipeline; meanwhile a kick of an earlier body
    // may already have read and processed it from the store.
    const first = await append(groupedFiring);
    const second = await append(unicodeLabels);
    const { pipeline: p, metrics } = pipeline();
    p.kick(first.id);
    await p.idle();
    expect(await store.unprocessedNotifications(10)).to.deep.equal([]);
    p.kick(second.id);
    await p.idle();
    expect(p.pending()).to.equal(0);
    expect(await metrics.registry.getSingleMetricAsString('firebreak_notifications_pending')).to.match(/^firebreak_notifications_pending 0$/m);
  });

  it('retries a retriable failure and then succeeds', async () => {
    const stored = await append(groupedFiring);
    let failures = 0;
    const faulty = interceptedStore(store, (method) => {
      if (method === 'markNotificationProcessed' && failures < 2) {
        failures += 1;
        throw new FirebreakError('STORE_UNAVAILABLE', 'database is locked', { retriable: true });
      }
    });
    const { pipeline: p } = pipeline({ store: faulty, sliceMs: 60_000 });
    p.kick(stored.id);
    await p.idle();
    expect(faulty.transactions).to.equal(3);
    expect((await store.getNotification(stored.id))?.processedAt).to.be.a('string');
    const [incident] = (await store.listIncidents({ limit: 10 })).items;
    // Rolled back twice, recorded once.
    expect((await store.timeline(incident!.id)).filter((e) => e.kind === 'incident.opened')).to.have.length(1);
  });

  it('sets aside a notification that keeps failing, keeps it stored unprocessed, and goes on with the next', async () => {
    const stuck = await append(groupedFiring);
    const next = await append(unicodeLabels);
    let stuckAttempts = 0;
    const faulty = interceptedStore(store, (method, args) => {
      if (method === 'markNotificationProcessed' && args[0] === stuck.id) {
        stuckAttempts += 1;
        throw new FirebreakError('STORE_UNAVAILABLE', 'disk I/O error', { retriable: true });
      }
    });
    const { pipeline: p, metrics } = pipeline({ store: faulty, sliceMs: 60_000 });
    p.kick();
    await p.idle();
    // The first try (it failed first in the shared transaction, so it is the culprit) and two retries.
    expect(stuckAttempts).to.equal(3);
    expect((await store.getNotification(next.id))?.processedAt).to.be.a('string');
    expect((await store.unprocessedNotifications(10)).map((n) => n.id)).to.deep.equal([stuck.id]);
    expect(p.pending()).to.equal(1);
    // A kick right away does not retry it: it is looked at again after resumeAfterMs.
    p.kick();
    await p.idle();
    expect(stuckAttempts).to.equal(3);
    const { body } = await metrics.render();
    expect(body).to.include('firebreak_notifications_pending 1');
    expect(body).to.include('firebreak_store_errors_total{operation="processNotification"} 3');
  });

  it('keeps no run count for a notification whose processing failed, and counts a retried transaction once', async () => {
    const next = await append(unicodeLabels);
    const stuck = await append(groupedFiring);
    const counts = new RunCounts();
    const summaries: Array<[number, number]> = [];
    const { pipeline: p } = pipeline({
      sliceMs: 60_000,
      options: () => ({
        async withinTransaction(_tx, result) {
          counts.add(result.notificationId, 1);
          if (result.notificationId === stuck.id) throw new FirebreakError('STORE_UNAVAILABLE', 'disk I/O error', { retriable: true });
        },
      }),
      hooks: [async (result) => void summaries.push([result.notificationId, counts.take(result.notificationId)])],
      onDropped: (ids) => counts.drop(ids),
    });
    p.kick();
    await p.idle();
    // The other one shared the first transaction with the stuck one, rolled back and done again: counted once.
    expect(summaries).to.deep.equal([[next.id, 1]]);
    expect(counts.size).to.equal(0);
  });

  it('tries a notification set aside by a store outage again once the store answers, without a restart', async () => {
    const stuck = await append(groupedFiring);
    let storeDown = true;
    let attempts = 0;
    const flaky = interceptedStore(store, (method) => {
      if (method !== 'markNotificationProcessed') return;
      attempts += 1;
      if (storeDown) throw new FirebreakError('STORE_UNAVAILABLE', 'connection refused', { retriable: true });
    });
    let resumed: () => void = () => {};
    const processedAgain = new Promise<void>((resolve) => (resumed = resolve));
    const { pipeline: p } = pipeline({ store: flaky, sliceMs: 60_000, resumeAfterMs: 10, hooks: [async () => resumed()] });
    p.kick();
    await p.idle();
    expect(attempts).to.equal(3);
    expect((await store.getNotification(stuck.id))?.processedAt).to.equal(null);
    storeDown = false;
    await processedAgain;
    await p.idle();
    expect((await store.getNotification(stuck.id))?.processedAt).to.be.a('string');
    expect(p.pending()).to.equal(0);
    await p.close(0);
  });

  it('tries a set-aside notification again as soon as a probe finds the store writable, long before resumeAfterMs', async () => {
    const stuck = await append(groupedFiring);
    let storeDown = true;
    let probes = 0;
    const flaky = interceptedStore(store, (method) => {
      if (method === 'markNotificationProcessed' && storeDown) throw new FirebreakError('STORE_UNAVAILABLE', 'database is locked', { retriable: true });
    });
    const probed = new Proxy(flaky, {
      get(target, property, receiver) {
        if (property !== 'ping') return Reflect.get(target, property, receiver) as unknown;
        return async () => {
          probes += 1;
          if (storeDown) throw new FirebreakError('STORE_UNAVAILABLE', 'database is locked', { retriable: true });
        };
      },
    });
    let resumed: () => void = () => {};
    const processedAgain = new Promise<void>((resolve) => (resumed = resolve));
    // resumeAfterMs far beyond the test's timeout: only the probe can bring it back in time.
    const { pipeline: p } = pipeline({ store: probed, sliceMs: 60_000, resumeAfterMs: 3_600_000, probeMs: 5, hooks: [async () => resumed()] });
    p.kick();
    await p.idle();
    expect((await store.getNotification(stuck.id))?.processedAt).to.equal(null);
    await eventually(() => expect(probes).to.be.greaterThan(1));
    storeDown = false;
    await processedAgain;
    expect((await store.getNotification(stuck.id))?.processedAt).to.be.a('string');
    expect(p.pending()).to.equal(0);
    await p.close(0);
  });

  it('tries a set-aside notification again at once when a new body is stored: the store writes again', async () => {
    const stuck = await append(groupedFiring);
    let storeDown = true;
    const flaky = interceptedStore(store, (method) => {
      if (method === 'markNotificationProcessed' && storeDown) throw new FirebreakError('STORE_UNAVAILABLE', 'disk full', { retriable: true });
    });
    const seen: number[] = [];
    // Neither the probe nor the backstop fires within the test.
    const { pipeline: p } = pipeline({ store: flaky, sliceMs: 60_000, resumeAfterMs: 3_600_000, probeMs: 3_600_000, hooks: [async (result) => void seen.push(result.notificationId)] });
    p.kick();
    await p.idle();
    expect(seen).to.deep.equal([]);
    storeDown = false;
    const next = await append(unicodeLabels);
    p.kick(next.id);
    await p.idle();
    expect(seen).to.deep.equal([stuck.id, next.id]);
    expect(p.pending()).to.equal(0);
    await p.close(0);
  });

  it('does not retry a notification whose body cannot be processed: it is recorded as failed', async () => {
    const bad = await append({ version: '4', groupKey: 'g', status: 'firing', receiver: 'r', alerts: {} });
    let marks = 0;
    const spying = interceptedStore(store, (method) => {
      if (method === 'markNotificationProcessed') marks += 1;
    });
    const { pipeline: p } = pipeline({ store: spying });
    p.kick(bad.id);
    await p.idle();
    expect(marks).to.equal(1);
    const stored = await store.getNotification(bad.id);
    expect(stored?.processedAt).to.be.a('string');
    expect(stored?.error).to.match(/^INCIDENT_INVALID_NOTIFICATION: /);
    expect(p.pending()).to.equal(0);
  });

  it('shares one transaction among a burst of small notifications', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) {
      ids.push((await append(notification([alert({ fingerprint: `b${i}`, startsAt: '2026-03-02T09:14:05Z' })], `{}:{burst="${i}"}`))).id);
    }
    const counting = interceptedStore(store, () => {});
    const seen: number[] = [];
    const { pipeline: p } = pipeline({ store: counting, sliceMs: 60_000, hooks: [async (result) => void seen.push(result.notificationId)] });
    p.kick();
    await p.idle();
    expect(counting.transactions).to.equal(1);
    expect(seen).to.deep.equal(ids);
    expect(await store.unprocessedNotifications(50)).to.deep.equal([]);
  });

  it('records a large notification in several transactions and marks it processed with the last one', async () => {
    const alerts = Array.from({ length: 12 }, (_, i) => alert({ fingerprint: `l${i}`, startsAt: '2026-03-02T09:14:05Z' }));
    const stored = await append(notification(alerts));
    const marks: unknown[] = [];
    const counting = interceptedStore(store, (method, args) => {
      if (method === 'markNotificationProcessed') marks.push(args[0]);
    });
    const results: ProcessResult[] = [];
    // A zero budget: one alert per transaction.
    const { pipeline: p } = pipeline({ store: counting, sliceMs: 0, hooks: [async (result) => void results.push(result)] });
    p.kick(stored.id);
    await p.idle();
    expect(counting.transactions).to.equal(12);
    expect(marks).to.deep.equal([stored.id]);
    expect(results).to.have.length(1);
    expect(results[0]?.events.map((e) => e.alert.fingerprint)).to.deep.equal(alerts.map((a) => a.fingerprint));
    const [incident] = (await store.listIncidents({ limit: 10 })).items;
    expect((await store.timeline(incident!.id)).filter((e) => e.kind === 'alert.firing')).to.have.length(12);
  });

  it('asks a sliceMs function for the budget of each transaction', async () => {
    const alerts = Array.from({ length: 6 }, (_, i) => alert({ fingerprint: `s${i}`, startsAt: '2026-03-02T09:14:05Z' }));
    const stored = await append(notification(alerts));
    const counting = interceptedStore(store, () => {});
    // A zero budget for the first two transactions (one alert each), then room for the rest.
    const budgets = [0, 0];
    const { pipeline: p } = pipeline({ store: counting, sliceMs: () => budgets.shift() ?? 60_000 });
    p.kick(stored.id);
    await p.idle();
    expect(counting.transactions).to.equal(3);
    expect((await store.getNotification(stored.id))?.processedAt).to.be.a('string');
  });

  it('starts a notification over after a failed transaction part-way through, recording nothing twice', async () => {
    const alerts = Array.from({ length: 6 }, (_, i) => alert({ fingerprint: `r${i}`, startsAt: '2026-03-02T09:14:05Z' }));
    const stored = await append(notification(alerts));
    let calls = 0;
    const faulty = interceptedStore(store, (method) => {
      // The fourth alert's first recording fails: three slices are committed by then.
      if (method === 'recordAlertEvent' && ++calls === 4) throw new FirebreakError('STORE_UNAVAILABLE', 'disk I/O error', { retriable: true });
    });
    const { pipeline: p, metrics } = pipeline({ store: faulty, sliceMs: 0 });
    p.kick(stored.id);
    await p.idle();
    expect((await store.getNotification(stored.id))?.processedAt).to.be.a('string');
    const [incident] = (await store.listIncidents({ limit: 10 })).items;
    expect((await store.timeline(incident!.id)).filter((e) => e.kind === 'alert.firing')).to.have.length(6);
    const { body } = await metrics.render();
    expect(body).to.include('firebreak_alerts_duplicate_total 3');
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

  it('on close finishes the transaction in progress, then ignores kicks', async () => {
    const stored = await append(groupedFiring);
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    const held = interceptedStore(store, async (method) => {
      if (method !== 'recordAlertEvent') return;
      started = true;
      await gate;
    });
    const { pipeline: p } = pipeline({ store: held, sliceMs: 60_000 });
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
