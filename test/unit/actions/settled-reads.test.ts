import { expect } from 'chai';
import { readSettled, type SettleTiming } from '../../../src/actions/kafka/actions/settle.ts';
import type { ActionContext } from '../../../src/actions/types.ts';
import type { KafkaAdmin } from '../../../src/actions/kafka/types.ts';
import { FakeClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';

// readSettled only reads through the function it is given; the context's Kafka client is unused.
function context(clock: FakeClock): ActionContext {
  return { kafka: undefined as unknown as KafkaAdmin, clock, logger: silentLogger(), limits: { minQuotaByteRate: 1, minRetentionMs: 60_000, protectedTopics: [] } };
}

const timing: SettleTiming = { sameReads: 3, settleMs: 300, pollMs: 1, maxWaitMs: 2_000 };

/** A read that returns the given states in turn (the last one forever), 100 ms of clock apart. */
function reads(clock: FakeClock, states: unknown[]): { read: () => Promise<unknown>; count: () => number } {
  let i = 0;
  return {
    read: async () => {
      clock.advance(100);
      const state = states[Math.min(i, states.length - 1)];
      i += 1;
      return state;
    },
    count: () => i,
  };
}

describe('settled reads', () => {
  it('waits out brokers that lag behind: a stale answer between fresh ones restarts the count', async () => {
    const clock = new FakeClock();
    // Reads hit random brokers: new, old (a lagging broker), new, new, ...
    const r = reads(clock, [{ v: 2 }, { v: 1 }, { v: 2 }, { v: 2 }, { v: 2 }, { v: 2 }]);
    const result = await readSettled(context(clock), r.read, undefined, timing);
    expect(result).to.deep.equal({ value: { v: 2 }, settled: true });
    // The streak starting at read 3 needs 300 ms of clock: reads 3..6.
    expect(r.count()).to.equal(6);
  });

  it('needs the minimum time as well as the count', async () => {
    const clock = new FakeClock();
    const r = reads(clock, [{ v: 1 }]);
    await readSettled(context(clock), r.read, undefined, { ...timing, sameReads: 2, settleMs: 500 });
    expect(r.count()).to.equal(6);
  });

  it('keeps reading until the accepted state shows', async () => {
    const clock = new FakeClock();
    const r = reads(clock, [{ v: 1 }, { v: 1 }, { v: 1 }, { v: 1 }, { v: 1 }, { v: 2 }]);
    const result = await readSettled(context(clock), r.read, (s) => (s as { v: number }).v === 2, timing);
    expect(result).to.deep.equal({ value: { v: 2 }, settled: true });
    expect(r.count()).to.equal(9);
  });

  it('gives up at the deadline when the state keeps changing', async () => {
    const clock = new FakeClock();
    let n = 0;
    const result = await readSettled(
      context(clock),
      async () => {
        clock.advance(100);
        n += 1;
        return { v: n };
      },
      undefined,
      timing,
    );
    expect(result.settled).to.equal(false);
    expect(n).to.be.within(20, 22);
  });
});
