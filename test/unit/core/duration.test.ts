import { expect } from 'chai';
import { formatDuration, parseDuration } from '../../../src/core/duration.ts';

describe('durations', () => {
  it('parses single and compound durations into milliseconds', () => {
    expect(parseDuration('250ms')).to.equal(250);
    expect(parseDuration('30s')).to.equal(30_000);
    expect(parseDuration('15m')).to.equal(900_000);
    expect(parseDuration('1h')).to.equal(3_600_000);
    expect(parseDuration('2d')).to.equal(172_800_000);
    expect(parseDuration('1h30m')).to.equal(5_400_000);
    expect(parseDuration('0s')).to.equal(0);
  });

  it('refuses anything else', () => {
    for (const bad of ['', '15', '15 m', '1.5h', '-1m', '1w', 'm', '15minutes', ' 1m']) {
      expect(parseDuration(bad), bad).to.equal(null);
    }
  });

  it('formats milliseconds back into the shortest form', () => {
    expect(formatDuration(5_400_000)).to.equal('1h30m');
    expect(formatDuration(90_500)).to.equal('1m30s500ms');
    expect(formatDuration(0)).to.equal('0s');
  });

  it('formats a span for people: the two largest units, a zero second unit left out', () => {
    const cases: Array<[number, string]> = [
      [0, '0ms'],
      [850, '850ms'],
      [1_000, '1s'],
      [45_999, '45s'],
      [252_000, '4m 12s'],
      [180_000, '3m'],
      [3_600_000, '1h'],
      [3_600_000 + 65_000, '1h 1m'],
      [2 * 86_400_000 + 3 * 3_600_000 + 59_000, '2d 3h'],
      [86_400_000 + 59_000, '1d'],
      [-65_000, '-1m 5s'],
    ];
    for (const [ms, text] of cases) expect(formatDuration(ms, 'human'), String(ms)).to.equal(text);
  });

  it('reads back what it formats exactly', () => {
    for (const ms of [0, 1, 999, 1_000, 90_500, 5_400_000, 86_400_000 + 1]) expect(parseDuration(formatDuration(ms)), String(ms)).to.equal(ms);
  });
});
