/** Cooldown and hourly run limits, at their boundaries, with a fake clock. */
import { expect } from 'chai';
import { FakeClock } from '../../../src/core/clock.ts';
import { decide, type RunRecord } from '../../../src/engine/guards.ts';
import { HOUR, MINUTE, guardInput, runsAgo } from './support.ts';

describe('cooldown guard', () => {
  it('blocks until the cooldown has exactly elapsed since the previous run started', () => {
    const clock = new FakeClock('2026-03-01T12:00:00Z');
    const started = clock.now();
    const runs: RunRecord[] = [{ id: 'run-1', startedAt: started, finishedAt: started + MINUTE, outcome: 'succeeded' }];
    clock.advance(15 * MINUTE - 1);
    const before = decide(guardInput(clock, { history: { runs } }));
    expect([before.reason, before.detail]).to.deep.equal(['cooldown', 'previous run started 14m59s999ms ago, cooldown is 15m']);
    clock.advance(1);
    expect(decide(guardInput(clock, { history: { runs } })).reason).to.equal('allowed');
  });

  it("uses the runbook's cooldown instead of the default, shorter or longer", () => {
    const clock = new FakeClock();
    const runs = runsAgo(clock, 10 * MINUTE);
    expect(decide(guardInput(clock, { history: { runs } })).reason, 'default 15m').to.equal('cooldown');
    expect(decide(guardInput(clock, { history: { runs }, policy: { cooldownMs: 5 * MINUTE } })).reason).to.equal('allowed');
    expect(decide(guardInput(clock, { history: { runs: runsAgo(clock, 20 * MINUTE) }, policy: { cooldownMs: HOUR } })).reason).to.equal('cooldown');
  });

  it('measures from the latest run, ignores the current run and runs that were blocked entirely', () => {
    const clock = new FakeClock();
    const runs: RunRecord[] = [
      ...runsAgo(clock, 40 * MINUTE),
      { id: 'run-current', startedAt: clock.now(), finishedAt: null, outcome: 'running' },
      { id: 'run-blocked', startedAt: clock.now() - MINUTE, finishedAt: clock.now() - MINUTE, outcome: 'blocked' },
    ];
    expect(decide(guardInput(clock, { history: { runs } })).reason).to.equal('allowed');
    runs.push(...runsAgo(clock, 2 * MINUTE));
    expect(decide(guardInput(clock, { history: { runs } })).reason).to.equal('cooldown');
  });

  it('is off with a zero cooldown', () => {
    const clock = new FakeClock();
    expect(decide(guardInput(clock, { history: { runs: runsAgo(clock, 0) }, policy: { cooldownMs: 0 } })).reason).to.equal('allowed');
  });
});

describe('rate-limit guard', () => {
  const noCooldown = { cooldownMs: 0 };

  it('allows the 4th run in an hour and blocks the 5th with maxRunsPerHour 4', () => {
    const clock = new FakeClock();
    const three = runsAgo(clock, 45 * MINUTE, 30 * MINUTE, 15 * MINUTE);
    expect(decide(guardInput(clock, { policy: { ...noCooldown, maxRunsPerHour: 4 }, history: { runs: three } })).reason).to.equal('allowed');
    const four = runsAgo(clock, 50 * MINUTE, 45 * MINUTE, 30 * MINUTE, 15 * MINUTE);
    const d = decide(guardInput(clock, { policy: { ...noCooldown, maxRunsPerHour: 4 }, history: { runs: four } }));
    expect([d.reason, d.detail]).to.deep.equal(['rate-limit', '4 runs in the last hour, at most 4 allowed']);
  });

  it('stops counting a run once it is exactly one hour old', () => {
    const clock = new FakeClock();
    const runs = runsAgo(clock, HOUR - 1, 30 * MINUTE);
    const input = (): ReturnType<typeof guardInput> => guardInput(clock, { policy: { ...noCooldown, maxRunsPerHour: 2 }, history: { runs } });
    expect(decide(input()).reason).to.equal('rate-limit');
    clock.advance(1);
    expect(decide(input()).reason).to.equal('allowed');
  });

  it('takes the global default when the runbook sets none, and does not count blocked runs', () => {
    const clock = new FakeClock();
    const runs: RunRecord[] = [
      ...runsAgo(clock, 40 * MINUTE, 30 * MINUTE),
      { id: 'b', startedAt: clock.now() - 20 * MINUTE, finishedAt: clock.now() - 20 * MINUTE, outcome: 'blocked' },
    ];
    const settings = { defaults: { cooldownMs: 0, maxRunsPerHour: 3 } };
    expect(decide(guardInput(clock, { settings, history: { runs } })).reason).to.equal('allowed');
    runs.push(...runsAgo(clock, 10 * MINUTE));
    expect(decide(guardInput(clock, { settings, history: { runs } })).reason).to.equal('rate-limit');
  });

  it('applies to changes only: read-only steps still gather evidence', () => {
    const clock = new FakeClock();
    const runs = runsAgo(clock, 1, 2, 3, 4, 5);
    const d = decide(guardInput(clock, { step: { mutating: false, phase: 'identification' }, plan: null, history: { runs } }));
    expect(d.reason).to.equal('read-only');
  });
});
