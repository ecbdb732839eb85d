import { expect } from 'chai';
import { waitUntilHeld } from '../../../src/actions/prometheus/hold.ts';
import { FakeClock } from '../../../src/core/clock.ts';
import { FirebreakError } from '../../../src/errors.ts';

/** Drives waitUntilHeld with a fake clock: each sleep moves the clock, each check reads the next answer. */
function scenario(answers: Array<boolean | FirebreakError>, options: { forMs: number; intervalMs: number; withinMs: number }) {
  const clock = new FakeClock();
  const start = clock.now();
  const checkedAt: number[] = [];
  let i = 0;
  const run = waitUntilHeld<number>({
    clock,
    sleep: async (ms) => clock.advance(ms),
    check: async () => {
      checkedAt.push(clock.now() - start);
      const a = answers[Math.min(i, answers.length - 1)] as boolean | FirebreakError;
      i += 1;
      if (a instanceof FirebreakError) throw a;
      return { held: a, value: i };
    },
    forMs: options.forMs,
    intervalMs: options.intervalMs,
    deadline: start + options.withinMs,
    isTransient: (err) => err instanceof FirebreakError && err.retriable,
  });
  return { run, checkedAt };
}

describe('waiting until a PromQL expectation has held long enough', () => {
  it('succeeds once the condition has held continuously for the hold time', async () => {
    const { run, checkedAt } = scenario([true], { forMs: 60_000, intervalMs: 15_000, withinMs: 600_000 });
    const out = await run;
    expect(out).to.deep.include({ held: true, heldForMs: 60_000, checks: 5, reason: 'held' });
    expect(checkedAt).to.deep.equal([0, 15_000, 30_000, 45_000, 60_000]);
  });

  it('starts the hold time again after a check where it does not hold', async () => {
    const { run, checkedAt } = scenario([true, true, false, true, true, true], { forMs: 30_000, intervalMs: 15_000, withinMs: 600_000 });
    const out = await run;
    expect(out.held).to.equal(true);
    // Held from 45s (after the false check at 30s) to 75s.
    expect(checkedAt.at(-1)).to.equal(75_000);
    expect(out.heldForMs).to.equal(30_000);
  });

  it('gives up at the deadline without starting a check beyond it', async () => {
    const { run, checkedAt } = scenario([false], { forMs: 30_000, intervalMs: 10_000, withinMs: 45_000 });
    const out = await run;
    expect(out).to.deep.include({ held: false, reason: 'deadline', heldForMs: 0 });
    expect(checkedAt).to.deep.equal([0, 10_000, 20_000, 30_000, 40_000]);
  });

  it('treats a transient failure as "not held" and keeps polling', async () => {
    const unavailable = new FirebreakError('PROMETHEUS_UNREACHABLE', 'refused', { retriable: true });
    const { run } = scenario([true, unavailable, true, true, true], { forMs: 20_000, intervalMs: 10_000, withinMs: 600_000 });
    const out = await run;
    expect(out.held).to.equal(true);
    expect(out.checks).to.equal(5);
  });

  it('stops at once on a failure that asking again cannot fix', async () => {
    const invalid = new FirebreakError('PROMETHEUS_QUERY_INVALID', 'parse error');
    const { run } = scenario([true, invalid], { forMs: 60_000, intervalMs: 10_000, withinMs: 600_000 });
    try {
      await run;
      expect.fail('expected the invalid query to end the wait');
    } catch (err) {
      expect((err as FirebreakError).code).to.equal('PROMETHEUS_QUERY_INVALID');
    }
  });

  it('ends when the step is aborted', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    let checks = 0;
    const out = await waitUntilHeld({
      clock,
      sleep: async (ms) => {
        clock.advance(ms);
        if (checks === 2) controller.abort();
      },
      check: async () => {
        checks += 1;
        return { held: true, value: checks };
      },
      forMs: 600_000,
      intervalMs: 10_000,
      deadline: clock.now() + 3_600_000,
      signal: controller.signal,
      isTransient: () => false,
    });
    expect(out).to.deep.include({ held: false, reason: 'aborted', checks: 2, heldForMs: 10_000, last: 2 });
  });
});
