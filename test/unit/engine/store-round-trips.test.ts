/**
 * The engine's store calls between a run request and a change: each is a message to the ingest
 * thread and back in `serve` (inside a transaction, while it holds the write lock), so the engine
 * makes no more of them than it needs. Asserted by the calls a real store sees.
 */
import { expect } from 'chai';
import type { Store, StoreTx } from '../../../src/store/types.ts';
import { engineEnv, type EngineEnv } from './support/engine-env.ts';
import { lagNotification } from './support/alerts.ts';
import { observeTransactions } from './support/observe-store.ts';
import { THROTTLE_RUNBOOK } from './support/runbooks.ts';

/** Notes `start <method>` and `end <method>` of the store's own (non-transaction) calls in `events`. */
function observeCalls(store: Store, methods: readonly (keyof Store)[], events: string[]): void {
  for (const method of methods) {
    const original = (store[method] as (...args: unknown[]) => Promise<unknown>).bind(store);
    (store as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      events.push(`start ${method} ${JSON.stringify(args[0])}`);
      try {
        return await original(...args);
      } finally {
        events.push(`end ${method}`);
      }
    };
  }
}

/** Notes `start <method>` and `end <method>` of every call made on a transaction's `tx`, transaction by transaction. */
function observeTxCalls(store: Store, transactions: string[][]): void {
  const transaction = store.transaction.bind(store);
  store.transaction = <T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> =>
    transaction((tx) => {
      const events: string[] = [];
      transactions.push(events);
      const watched = new Proxy(tx, {
        get(target, property) {
          const value = Reflect.get(target, property) as unknown;
          if (typeof value !== 'function') return value;
          return async (...args: unknown[]) => {
            events.push(`start ${String(property)}`);
            try {
              return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            } finally {
              events.push(`end ${String(property)}`);
            }
          };
        },
      });
      return fn(watched);
    });
}

describe('engine: store round trips before a change', () => {
  let env: EngineEnv;
  afterEach(async () => {
    await env.close();
  });

  it('reads the pending and the running runs in one read when woken', async () => {
    env = await engineEnv([THROTTLE_RUNBOOK]);
    const events: string[] = [];
    observeCalls(env.store, ['runs'], events);
    await env.deliver(lagNotification());
    const first = events.find((e) => e.startsWith('start runs'));
    expect(first).to.equal('start runs {"status":["pending","running"]}');
    expect(events.filter((e) => e === 'start runs {"status":["running"]}')).to.deep.equal([]);
  });

  it("reads a step's guard history side by side: runs, claims and approvals all asked before the first answer", async () => {
    env = await engineEnv([THROTTLE_RUNBOOK]);
    const events: string[] = [];
    observeCalls(env.store, ['runs', 'stepClaims', 'approvals'], events);
    await env.deliver(lagNotification());
    const asked = events.findIndex((e) => e.startsWith('start approvals'));
    expect(asked, events.join('\n')).to.be.at.least(0);
    const window = events.slice(asked - 2, asked + 1);
    expect(window.map((e) => e.split(' ').slice(0, 2).join(' ')), events.join('\n')).to.deep.equal(['start runs', 'start stepClaims', 'start approvals']);
  });

  it("reads a new firing run's incident, its episode and its first step's guard facts in one round", async () => {
    env = await engineEnv([THROTTLE_RUNBOOK]);
    const events: string[] = [];
    observeCalls(env.store, ['runs', 'getIncident', 'stepClaims', 'approvals', 'automation', 'alertStateCounts'], events);
    await env.deliver(lagNotification());
    // After the worker's read of the queue: every read asked before the first answer.
    const woken = events.indexOf('end runs');
    const rest = events.slice(woken + 1);
    const round = rest.slice(0, rest.findIndex((e) => e.startsWith('end ')));
    expect(round.map((e) => e.split(' ')[1]).sort(), events.join('\n')).to.deep.equal(['alertStateCounts', 'approvals', 'automation', 'getIncident', 'runs', 'stepClaims', 'stepClaims']);
  });

  it('takes a run with the calls that need no answer of each other side by side', async () => {
    env = await engineEnv([THROTTLE_RUNBOOK]);
    const transactions: string[][] = [];
    observeTxCalls(env.store, transactions);
    await env.deliver(lagNotification());
    const taking = transactions.find((t) => t.includes('start claimStep')) ?? [];
    const before = (a: string, b: string) => expect(taking.indexOf(a), `${a} before ${b}: ${taking.join(', ')}`).to.be.below(taking.indexOf(b));
    // The run's start entry with its update; the episode's claims and the runs parked on releases read while the releases stop.
    before('start appendTimeline', 'end updateRun');
    before('start stepClaims', 'end cancelTimers');
    before('start runs', 'end cancelTimers');
  });

  it("checks a held run's fence before its claim, reads the run once per step record, and the claims once when a run is taken", async () => {
    env = await engineEnv([THROTTLE_RUNBOOK]);
    const transactions: string[][] = [];
    observeTransactions(env.store, (methods) => transactions.push(methods));
    await env.deliver(lagNotification());
    const claims = transactions.filter((m) => m.includes('claimStep'));
    const ends = transactions.filter((m) => m.includes('finishStep'));
    expect([claims.length, ends.length]).to.deep.equal([2, 2]);
    const [takenWithFirst, second] = claims as [string[], string[]];
    const count = (methods: string[], name: string) => methods.filter((m) => m === name).length;
    // Taking the run: the episode judged and settled from one read of the group's claims; the
    // claim reads the incident once (closed meanwhile?) and, for a change, the pause switch.
    expect([count(takenWithFirst, 'stepClaims'), count(takenWithFirst, 'getIncident'), count(takenWithFirst, 'automation')], takenWithFirst.join(', ')).to.deep.equal([1, 1, 0]);
    expect([count(second, 'getIncident'), count(second, 'automation')], second.join(', ')).to.deep.equal([1, 1]);
    // A held run's claim checks its fence (one read of the run), before it claims.
    expect(count(second, 'getRun'), second.join(', ')).to.equal(1);
    expect(second.indexOf('getRun'), second.join(', ')).to.be.below(second.indexOf('claimStep'));
    // A step's end: the fence check's read serves the run's progress too.
    for (const end of ends) expect(count(end, 'getRun'), end.join(', ')).to.equal(1);
  });
});
