import { expect } from 'chai';
import { FakeClock } from '../../../src/core/clock.ts';
import { computeFigures, FIGURES } from '../../../src/incidents/figures.ts';
import type { Incident, TimelineEntry } from '../../../src/model/incident.ts';

function iso(clock: FakeClock): string {
  return new Date(clock.now()).toISOString();
}

function incidentAt(clock: FakeClock): Incident {
  const t = iso(clock);
  return {
    id: 'inc-1',
    key: 'k',
    title: 't',
    severity: null,
    cluster: null,
    status: 'open',
    runbook: null,
    labels: {},
    startedAt: t,
    openedAt: t,
    containedAt: null,
    resolvedAt: null,
    recoveredAt: null,
    closedAt: null,
    updatedAt: t,
  };
}

function entry(id: number, at: string, kind: TimelineEntry['kind'], phase: TimelineEntry['phase']): TimelineEntry {
  return { id, incidentId: 'inc-1', at, kind, phase, actor: 'engine', summary: '', data: {} };
}

describe('incident figures', () => {
  it('measures each figure from its stated start to its stated end', () => {
    const clock = new FakeClock('2026-03-01T10:00:00Z');
    const incident = incidentAt(clock);
    clock.advance(65_000);
    incident.openedAt = iso(clock);
    clock.advance(187_000);
    incident.containedAt = iso(clock);
    clock.advance(30 * 60_000);
    incident.resolvedAt = iso(clock);
    clock.advance(5 * 60_000);
    incident.recoveredAt = iso(clock);
    clock.advance(60 * 60_000);
    incident.closedAt = iso(clock);

    const f = computeFigures(incident, []);
    expect(f.timeToDetect).to.equal(65_000);
    expect(f.timeToContain).to.equal(187_000);
    expect(f.timeToResolve).to.equal(65_000 + 187_000 + 30 * 60_000);
    expect(f.timeToRecover).to.equal(65_000 + 187_000 + 35 * 60_000);
    expect(f.duration).to.equal(f.timeToRecover);
  });

  it('is null for every end point not reached yet', () => {
    const clock = new FakeClock('2026-03-01T10:00:00Z');
    const incident = incidentAt(clock);
    clock.advance(1_000);
    incident.openedAt = iso(clock);
    const f = computeFigures(incident, []);
    expect(f).to.deep.equal({ timeToDetect: 1_000, timeToContain: null, timeToResolve: null, timeToRecover: null, duration: null });
  });

  it('ends the duration at resolution, or at closing when closed while firing', () => {
    const clock = new FakeClock('2026-03-01T10:00:00Z');
    const incident = incidentAt(clock);
    clock.advance(10 * 60_000);
    incident.closedAt = iso(clock);
    expect(computeFigures(incident, []).duration).to.equal(10 * 60_000);
    clock.set('2026-03-01T10:04:00Z');
    incident.resolvedAt = iso(clock);
    expect(computeFigures(incident, []).duration).to.equal(4 * 60_000);
  });

  it('counts containment from the first successful containment step when it precedes containedAt', () => {
    const clock = new FakeClock('2026-03-01T10:00:00Z');
    const incident = incidentAt(clock);
    clock.advance(60_000);
    const step = iso(clock);
    clock.advance(60_000);
    incident.containedAt = iso(clock);
    const timeline = [
      entry(1, '2026-03-01T10:00:30.000Z', 'step.succeeded', 'identification'),
      entry(2, '2026-03-01T10:00:40.000Z', 'step.failed', 'containment'),
      entry(3, step, 'step.succeeded', 'containment'),
    ];
    expect(computeFigures(incident, timeline).timeToContain).to.equal(60_000);
    incident.containedAt = null;
    expect(computeFigures(incident, timeline).timeToContain).to.equal(60_000);
    expect(computeFigures(incident, timeline.slice(0, 2)).timeToContain).to.equal(null);
  });

  it('shows a negative span from clock skew as zero', () => {
    const clock = new FakeClock('2026-03-01T10:00:00Z');
    const incident = incidentAt(clock);
    clock.advance(-2_000);
    incident.openedAt = iso(clock);
    expect(computeFigures(incident, []).timeToDetect).to.equal(0);
  });

  it('states a definition for every figure', () => {
    expect(FIGURES.map((f) => f.name)).to.deep.equal(['timeToDetect', 'timeToContain', 'timeToResolve', 'timeToRecover', 'duration']);
    for (const f of FIGURES) expect(f.definition).to.match(/→/);
  });
});
