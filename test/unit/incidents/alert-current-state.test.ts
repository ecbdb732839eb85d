import { expect } from 'chai';
import { compareStates, currentStates, isSameState, isStale } from '../../../src/incidents/alert-state.ts';
import type { Alert } from '../../../src/model/incident.ts';

function state(fingerprint: string, status: Alert['status'], startsAt: string): Alert {
  return { fingerprint, status, labels: {}, annotations: {}, startsAt, endsAt: status === 'resolved' ? startsAt : null, generatorURL: null };
}

describe('current alert state', () => {
  const firing1 = state('f', 'firing', '2026-03-01T10:00:00.000Z');
  const resolved1 = state('f', 'resolved', '2026-03-01T10:00:00.000Z');
  const firing2 = state('f', 'firing', '2026-03-01T11:00:00.000Z');

  it('orders by episode start, and resolved after firing within one episode', () => {
    expect(compareStates(firing1, resolved1)).to.be.lessThan(0);
    expect(compareStates(resolved1, firing2)).to.be.lessThan(0);
    expect(compareStates(firing2, firing1)).to.be.greaterThan(0);
  });

  it('picks the same current state whatever the delivery order', () => {
    const orders = [
      [firing1, resolved1, firing2],
      [resolved1, firing1, firing2],
      [firing2, resolved1, firing1],
    ];
    for (const order of orders) expect(currentStates(order).get('f')).to.equal(firing2);
    expect(currentStates([resolved1, firing1]).get('f')).to.equal(resolved1);
  });

  it('calls a firing that arrives after its own resolution stale, and ignores other fingerprints', () => {
    expect(isStale(firing1, [resolved1])).to.equal(true);
    expect(isStale(resolved1, [firing2])).to.equal(true);
    expect(isStale(firing2, [firing1, resolved1])).to.equal(false);
    expect(isStale(firing1, [state('other', 'resolved', '2026-03-02T00:00:00.000Z')])).to.equal(false);
  });

  it('recognises the same state written with another time precision', () => {
    expect(isSameState(firing1, state('f', 'firing', '2026-03-01T10:00:00Z'))).to.equal(true);
    expect(isSameState(firing1, resolved1)).to.equal(false);
  });
});
