import { expect } from 'chai';
import { FakeClock } from '../../../src/core/clock.ts';
import { INCIDENT_ID_PATTERN, createIncidentIdGenerator } from '../../../src/store/incident-id.ts';

describe('incident ids', () => {
  it('are INC- plus 16 URL-safe characters encoding the clock time first', () => {
    const clock = new FakeClock('2026-03-01T12:00:00Z');
    const next = createIncidentIdGenerator(clock, () => 0);
    const id = next();
    expect(id).to.match(INCIDENT_ID_PATTERN);
    expect(encodeURIComponent(id)).to.equal(id);
    // 1772366400000 ms in Crockford base32, then six zero characters of randomness.
    expect(id).to.equal('INC-01KJMMA2G0000000');
  });

  it('sort in creation order while the clock stands still', () => {
    const clock = new FakeClock();
    const next = createIncidentIdGenerator(clock, () => 12345);
    const ids = Array.from({ length: 50 }, () => next());
    expect(new Set(ids).size).to.equal(50);
    expect([...ids].sort()).to.deep.equal(ids);
  });

  it('sort in creation order across milliseconds whatever the random draw', () => {
    const clock = new FakeClock();
    const draws = [2 ** 30 - 1, 0, 999_999, 1];
    const next = createIncidentIdGenerator(clock, () => draws.shift() ?? 7);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push(next());
      clock.advance(1);
    }
    expect([...ids].sort()).to.deep.equal(ids);
  });

  it('keep increasing when the clock steps back', () => {
    const clock = new FakeClock('2026-01-01T00:00:10Z');
    const next = createIncidentIdGenerator(clock, () => 5);
    const first = next();
    clock.set('2026-01-01T00:00:00Z');
    const second = next();
    expect(second > first).to.equal(true);
  });

  it('borrow the next millisecond instead of repeating when the random space runs out', () => {
    const clock = new FakeClock();
    const next = createIncidentIdGenerator(clock, (max) => max - 1);
    const first = next();
    const second = next();
    expect(second > first).to.equal(true);
    expect(second.slice(4, 14)).to.not.equal(first.slice(4, 14));
  });
});
