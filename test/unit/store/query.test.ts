import { expect } from 'chai';
import { FirebreakError } from '../../../src/errors.ts';
import { checkAfterId, checkLimit, checkPositiveLimit, decodeCursor, encodeCursor, queryTime, valueTime } from '../../../src/store/query.ts';
import { INCIDENT_STATUSES } from '../../../src/model/incident.ts';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(FirebreakError);
    return (err as FirebreakError).code;
  }
  return 'no error';
}

describe('store query validation', () => {
  it('accepts limits 1..500 and rejects everything else with STORE_INVALID_QUERY', () => {
    expect(checkLimit(1)).to.equal(1);
    expect(checkLimit(500)).to.equal(500);
    for (const bad of [0, 501, -1, 1.5, Number.NaN, '10', undefined]) {
      expect(codeOf(() => checkLimit(bad)), String(bad)).to.equal('STORE_INVALID_QUERY');
    }
  });

  it('accepts any positive integer where the caller pages itself', () => {
    expect(checkPositiveLimit(10_000)).to.equal(10_000);
    for (const bad of [0, -5, 2.5, '3']) {
      expect(codeOf(() => checkPositiveLimit(bad)), String(bad)).to.equal('STORE_INVALID_QUERY');
    }
  });

  it('accepts non-negative integer afterIds only', () => {
    expect(checkAfterId(0)).to.equal(0);
    expect(codeOf(() => checkAfterId(-1))).to.equal('STORE_INVALID_QUERY');
    expect(codeOf(() => checkAfterId(2.5))).to.equal('STORE_INVALID_QUERY');
  });

  it('round-trips a cursor through an opaque URL-safe string', () => {
    const cursor = { openedMs: Date.parse('2026-01-01T00:00:00Z'), id: 'INC-01KDVDNA00J329E1' };
    const encoded = encodeCursor(cursor);
    expect(encoded).to.match(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(encoded)).to.deep.equal(cursor);
  });

  it('rejects cursors it did not issue', () => {
    const forged = Buffer.from(JSON.stringify({ v: 1, o: 'x', i: 'INC' })).toString('base64url');
    for (const bad of ['', 'not-a-cursor', '%%%', forged, Buffer.from('[]').toString('base64url')]) {
      expect(codeOf(() => decodeCursor(bad)), bad).to.equal('STORE_INVALID_QUERY');
    }
  });

  it('tells a bad filter time (query) from a bad stored time (value)', () => {
    expect(queryTime('2026-01-01T00:00:00Z', 'since')).to.equal(Date.parse('2026-01-01T00:00:00Z'));
    expect(codeOf(() => queryTime('yesterday', 'since'))).to.equal('STORE_INVALID_QUERY');
    expect(codeOf(() => valueTime('yesterday', 'openedAt'))).to.equal('STORE_INVALID_VALUE');
    expect(codeOf(() => valueTime(undefined, 'openedAt'))).to.equal('STORE_INVALID_VALUE');
  });

  it('lists every incident status once, in lifecycle order', () => {
    expect(INCIDENT_STATUSES).to.deep.equal(['open', 'contained', 'resolved', 'recovered', 'closed']);
  });
});
