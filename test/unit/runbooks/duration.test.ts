import { expect } from 'chai';
import { formatDuration, parseDuration } from '../../../src/runbooks/duration.ts';

describe('runbook durations', () => {
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
});
