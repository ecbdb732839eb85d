/**
 * What one processing transaction writes and reads per incident, however many notifications it
 * takes: `updatedAt` once, the engine's runs once (the outbox), and still one run requested.
 */
import { expect } from 'chai';
import { createPipeline } from '../../../src/ingest/pipeline.ts';
import { createMetrics } from '../../../src/metrics/metrics.ts';
import type { Store, StoreTx } from '../../../src/store/types.ts';
import { notification } from '../incidents/payloads.ts';
import { lagAlert } from '../engine/support/alerts.ts';
import { engineEnv, onlyIncident, type EngineEnv } from '../engine/support/engine-env.ts';
import { THROTTLE_RUNBOOK } from '../engine/support/runbooks.ts';

/** The store, counting transactions and the calls each makes on its tx, by method. */
function countingStore(store: Store): { store: Store; transactions: () => number; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  let transactions = 0;
  const counted = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'transaction') {
        return <T>(fn: (tx: StoreTx) => Promise<T>) =>
          target.transaction((tx) => {
            transactions += 1;
            return fn(
              new Proxy(tx, {
                get(t, p) {
                  const value = Reflect.get(t, p) as unknown;
                  if (typeof value !== 'function') return value;
                  return (...args: unknown[]) => {
                    calls.set(String(p), (calls.get(String(p)) ?? 0) + 1);
                    return (value as (...a: unknown[]) => unknown).apply(t, args);
                  };
                },
              }),
            );
          });
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: counted, transactions: () => transactions, calls };
}

describe('processing transaction: writes and reads per incident', () => {
  let env: EngineEnv;
  afterEach(async () => {
    await env.close();
  });

  /** Twenty notifications of one incident, one new alert each. */
  async function burst(from: number): Promise<void> {
    for (let i = from; i < from + 20; i++) {
      const body = notification([lagAlert('firing', { fingerprint: `lag-${i}`, labels: { partition: String(i) } })], '{}:{alertname="Lag"}');
      await env.store.appendNotification(body, new Date(env.clock.now()).toISOString());
    }
  }

  async function drain(counting: ReturnType<typeof countingStore>): Promise<void> {
    const pipeline = createPipeline({
      store: counting.store,
      clock: env.clock,
      logger: env.logger,
      metrics: createMetrics({ processMetrics: false }),
      sliceMs: 60_000,
      options: () => ({ keyFor: env.engine.keyFor, withinTransaction: env.engine.withinTransaction }),
    });
    pipeline.kick();
    await pipeline.idle();
    await pipeline.close(0);
  }

  it('stamps updatedAt once and reads the runs once per incident, and the run requested by the first notification is joined by the rest', async () => {
    env = await engineEnv([THROTTLE_RUNBOOK]);
    await burst(0);
    const first = countingStore(env.store);
    await drain(first);
    expect(first.transactions()).to.equal(1);
    // The runbook's match, then updatedAt at the end of the transaction.
    expect(first.calls.get('updateIncident')).to.equal(2);
    expect(first.calls.get('runs')).to.equal(1);
    const id = await onlyIncident(env.store);
    expect((await env.store.runs({ incidentId: id })).map((r) => [r.trigger, r.notificationId])).to.deep.equal([['firing', 1]]);
    expect((await env.store.timeline(id)).filter((e) => e.kind === 'alert.firing')).to.have.length(20);
    expect((await env.store.getIncident(id))?.updatedAt).to.equal(new Date(env.clock.now()).toISOString());
    expect(await env.store.unprocessedNotifications(50)).to.deep.equal([]);

    // A later transaction reads the run committed before it: the new alerts join it.
    env.clock.advance(5_000);
    await burst(20);
    const second = countingStore(env.store);
    await drain(second);
    expect(second.calls.get('updateIncident')).to.equal(1);
    expect(second.calls.get('runs')).to.equal(1);
    expect(await env.store.runs({ incidentId: id })).to.have.length(1);
    expect((await env.store.getIncident(id))?.updatedAt).to.equal(new Date(env.clock.now()).toISOString());
  });
});
