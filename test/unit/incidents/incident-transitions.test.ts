import { expect } from 'chai';
import { canTransition, closeIncident, TRANSITIONS, transitionIncident } from '../../../src/incidents/lifecycle.ts';
import type { Incident, IncidentStatus } from '../../../src/model/incident.ts';
import { openIncidentFields, openMemoryStore, type MemoryStore } from './memory-store.ts';
import { rejection } from '../../support/rejection.ts';

const STATUSES: IncidentStatus[] = ['open', 'contained', 'resolved', 'recovered', 'closed'];


describe('incident transitions table', () => {
  it('allows exactly the documented transitions', () => {
    const allowed = STATUSES.flatMap((from) => STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}->${to}`));
    expect(allowed).to.deep.equal([
      'open->contained',
      'open->resolved',
      'open->closed',
      'contained->open',
      'contained->resolved',
      'contained->closed',
      'resolved->open',
      'resolved->recovered',
      'resolved->closed',
      'recovered->open',
      'recovered->closed',
    ]);
  });

  it('never leaves closed and never stays in place', () => {
    for (const s of STATUSES) {
      expect(canTransition('closed', s), `closed->${s}`).to.equal(false);
      expect(canTransition(s, s), `${s}->${s}`).to.equal(false);
    }
  });

  it('gives every transition its reason', () => {
    for (const from of STATUSES) for (const reason of Object.values(TRANSITIONS[from])) expect(reason).to.be.a('string').and.not.equal('');
  });
});

describe('transitionIncident and closeIncident', () => {
  let env: MemoryStore;
  let incident: Incident;

  beforeEach(async () => {
    env = await openMemoryStore();
    incident = await env.store.createIncident(openIncidentFields({ title: 'Disk filling on broker 2', cluster: 'prod-eu' }));
  });
  afterEach(async () => {
    await env.store.close();
  });

  it('sets the status and its timestamp and writes one timeline entry', async () => {
    const { incident: after, entry, from } = await env.store.transaction((tx) =>
      transitionIncident(tx, incident.id, 'contained', Date.parse('2026-03-01T10:04:00Z'), 'engine', 'Contained by step throttle', { step: 'throttle' }),
    );
    expect(from).to.equal('open');
    expect(after).to.include({ status: 'contained', containedAt: '2026-03-01T10:04:00.000Z' });
    expect(entry).to.include({ kind: 'incident.status', phase: 'containment', actor: 'engine', at: '2026-03-01T10:04:00.000Z', summary: 'Contained by step throttle' });
    expect(entry.data).to.deep.equal({ step: 'throttle', from: 'open', to: 'contained' });
    expect(await env.store.timeline(incident.id)).to.have.length(1);
  });

  it('keeps the first containment time and clears resolution when re-opened', async () => {
    await env.store.transaction(async (tx) => {
      await transitionIncident(tx, incident.id, 'contained', '2026-03-01T10:04:00.000Z', 'engine', 'contained');
      await transitionIncident(tx, incident.id, 'resolved', '2026-03-01T10:10:00.000Z', 'alertmanager', 'resolved');
      await transitionIncident(tx, incident.id, 'open', '2026-03-01T10:20:00.000Z', 'alertmanager', 'fired again');
      await transitionIncident(tx, incident.id, 'contained', '2026-03-01T10:25:00.000Z', 'engine', 'contained again');
    });
    expect(await env.store.getIncident(incident.id)).to.include({ status: 'contained', containedAt: '2026-03-01T10:04:00.000Z', resolvedAt: null });
  });

  it('refuses a transition outside the table with INCIDENT_INVALID_TRANSITION and writes nothing', async () => {
    const err = await rejection(env.store.transaction((tx) => transitionIncident(tx, incident.id, 'recovered', env.clock.now(), 'engine', 'x')));
    expect(err.code).to.equal('INCIDENT_INVALID_TRANSITION');
    expect(err.statusCode).to.equal(409);
    expect(err.details).to.deep.equal({ incidentId: incident.id, from: 'open', to: 'recovered' });
    expect(await env.store.timeline(incident.id)).to.deep.equal([]);
  });

  it('closes an open incident by hand, saying it was still open and why', async () => {
    env.clock.set('2026-03-01T10:30:00Z');
    const closed = await closeIncident(env.store, incident.id, 'alice', env.clock.now(), 'false alarm');
    expect(closed).to.include({ status: 'closed', closedAt: '2026-03-01T10:30:00.000Z' });
    const [entry] = await env.store.timeline(incident.id);
    expect(entry).to.include({ kind: 'incident.status', actor: 'alice', phase: 'lessons-learned', summary: 'Closed by alice while open: false alarm' });
    expect(entry?.data).to.deep.equal({ reason: 'false alarm', from: 'open', to: 'closed' });
  });

  it('closes a resolved incident, and refuses to close it twice', async () => {
    await env.store.transaction((tx) => transitionIncident(tx, incident.id, 'resolved', '2026-03-01T10:10:00.000Z', 'alertmanager', 'resolved'));
    await closeIncident(env.store, incident.id, 'alice', env.clock.now());
    expect((await env.store.timeline(incident.id)).at(-1)?.summary).to.equal('Closed by alice');
    const err = await rejection(closeIncident(env.store, incident.id, 'bob', env.clock.now()));
    expect(err.code).to.equal('INCIDENT_INVALID_TRANSITION');
  });

  it('answers NOT_FOUND for an unknown incident', async () => {
    const err = await rejection(closeIncident(env.store, 'inc-missing', 'alice', env.clock.now()));
    expect(err.code).to.equal('NOT_FOUND');
    expect(err.statusCode).to.equal(404);
  });
});
