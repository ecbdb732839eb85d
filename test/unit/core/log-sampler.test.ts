import { expect } from 'chai';
import { FakeClock } from '../../../src/core/clock.ts';
import { createLogSampler } from '../../../src/core/log-sampler.ts';
import { createLogger } from '../../../src/core/logger.ts';

function setup() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) } as unknown as NodeJS.WritableStream);
  const clock = new FakeClock();
  const timers: Array<{ fn: () => void; ms: number }> = [];
  const sampler = createLogSampler({ logger, clock, message: 'notifications processed', perWindow: 3, windowMs: 1_000, schedule: (fn, ms) => timers.push({ fn, ms }) });
  return { lines, clock, timers, sampler };
}

describe('log sampler', () => {
  it('lets every event log at info while there are few per window, with no summary line', () => {
    const { lines, clock, timers, sampler } = setup();
    const taken: boolean[] = [];
    for (let i = 0; i < 9; i++) {
      taken.push(sampler.take());
      clock.advance(400); // 3 events in each 1 s window at most
    }
    expect(taken).to.deep.equal(Array(9).fill(true));
    expect(timers).to.deep.equal([]);
    sampler.flush();
    expect(lines).to.deep.equal([]);
  });

  it('past the budget answers false and writes one info line at the end of the window counting every event', () => {
    const { lines, clock, timers, sampler } = setup();
    const taken: boolean[] = [];
    for (let i = 0; i < 8; i++) {
      taken.push(sampler.take());
      clock.advance(100);
    }
    expect(taken).to.deep.equal([true, true, true, false, false, false, false, false]);
    expect(timers).to.have.length(1);
    expect(timers[0]!.ms).to.equal(700); // the 4th event came 300 ms into the window
    expect(lines).to.deep.equal([]);
    clock.advance(200);
    timers[0]!.fn();
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ level: 30, events: 8, loggedAtInfo: 3, windowMs: 1_000 });
    expect(lines[0]!.msg).to.equal('notifications processed: 8 in 1000 ms; the first 3 were logged one by one, the others only at debug');
    // A new window has a new budget.
    expect(sampler.take()).to.equal(true);
  });

  it('flush writes the summary of the window in progress once; its timer then does nothing', () => {
    const { lines, timers, sampler } = setup();
    for (let i = 0; i < 5; i++) sampler.take();
    sampler.flush();
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ events: 5 });
    for (let i = 0; i < 4; i++) sampler.take();
    timers[0]!.fn(); // the first window's timer, in the second window
    expect(lines).to.have.length(1);
    timers[1]!.fn();
    expect(lines).to.have.length(2);
    expect(lines[1]).to.include({ events: 4 });
  });
});
