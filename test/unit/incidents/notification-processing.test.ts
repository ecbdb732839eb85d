import { expect } from 'chai';
import { processNotification } from '../../../src/incidents/process.ts';
import { closeIncident } from '../../../src/incidents/lifecycle.ts';
import { FirebreakError } from '../../../src/errors.ts';
import type { Store } from '../../../src/store/types.ts';
import type { Incident } from '../../../src/model/incident.ts';
import { alert, notification } from './payloads.ts';
import { openMemoryStore, type MemoryStore } from './memory-store.ts';

const T0 = '2026-03-01T10:00:00.000Z';
const T1 = '2026-03-01T10:00:30.000Z';

async function allIncidents(store: Store): Promise<Incident[]> {
  return (await store.listIncidents({ limit: 500 })).items;
}

async function kinds(store: Store, incidentId: string): Promise<string[]> {
  return (await store.timeline(incidentId)).map((e) => e.kind);
}

describe('processNotification', () => {
  let env: MemoryStore;
  /** Appends a body as ingest would (receivedAt from the clock) and processes it. */
  async function deliver(body: unknown, options = {}) {
    const stored = await env.store.appendNotification(body, new Date(env.clock.now()).toISOString());
    return processNotification(env, stored, options);
  }

  beforeEach(async () => {
    env = await openMemoryStore();
  });
  afterEach(async () => {
    await env.store.close();
  });

  it('opens one incident for alerts grouped in one notification', async () => {
    const result = await deliver(
      notification([
        alert({ fingerprint: 'p1', startsAt: T1, labels: { topic: 'orders', partition: '1' } }),
        alert({ fingerprint: 'p0', startsAt: T0, labels: { topic: 'orders', partition: '0' } }),
        alert({ fingerprint: 'p2', startsAt: T1, labels: { topic: 'orders', partition: '2' } }),
      ]),
    );
    const incidents = await allIncidents(env.store);
    expect(incidents).to.have.length(1);
    const incident = incidents[0]!;
    expect(incident).to.include({
      status: 'open',
      title: 'KafkaUnderReplicatedPartitions (cluster=prod-eu)',
      severity: 'critical',
      cluster: 'prod-eu',
      startedAt: T0,
      openedAt: '2026-03-01T10:01:00.000Z',
    });
    expect(incident.key).to.contain('KafkaUnderReplicatedPartitions');
    expect(await kinds(env.store, incident.id)).to.deep.equal(['incident.opened', 'alert.firing', 'alert.firing', 'alert.firing']);
    expect(result.incidents).to.deep.equal([{ id: incident.id, status: 'open', opened: true, transitions: [{ from: null, to: 'open' }] }]);
    expect(result.alerts).to.deep.equal({ firing: 3, resolved: 0 });
    expect(result.events.map((e) => e.alert.fingerprint)).to.deep.equal(['p1', 'p0', 'p2']);
    expect(await env.store.unprocessedNotifications(10)).to.deep.equal([]);
  });

  it('stamps alert entries with when they happened and notes when firebreak heard of them', async () => {
    await deliver(notification([alert({ fingerprint: 'p0', startsAt: T0, annotations: { summary: 'Partition orders-0 under-replicated' } })]));
    const [incident] = await allIncidents(env.store);
    const entries = await env.store.timeline(incident!.id);
    const firing = entries.find((e) => e.kind === 'alert.firing')!;
    expect(firing).to.include({ at: T0, actor: 'alertmanager', phase: 'identification' });
    expect(firing.summary).to.equal('KafkaUnderReplicatedPartitions firing: Partition orders-0 under-replicated');
    expect(firing.data).to.include({ receivedAt: '2026-03-01T10:01:00.000Z', fingerprint: 'p0', stale: false });
    expect(incident!.title).to.equal('Partition orders-0 under-replicated');
    expect(entries.find((e) => e.kind === 'incident.opened')).to.include({ at: '2026-03-01T10:01:00.000Z' });
  });

  it('records firing and resolved alerts of one notification on the same incident, still open', async () => {
    const result = await deliver(
      notification([
        alert({ fingerprint: 'p0', startsAt: T0 }),
        alert({ fingerprint: 'p1', status: 'resolved', startsAt: T0, endsAt: T1 }),
      ]),
    );
    const [incident] = await allIncidents(env.store);
    expect(incident!.status).to.equal('open');
    expect(await kinds(env.store, incident!.id)).to.deep.equal(['incident.opened', 'alert.firing', 'alert.resolved']);
    const resolved = (await env.store.timeline(incident!.id)).find((e) => e.kind === 'alert.resolved')!;
    expect(resolved).to.include({ at: T1, phase: 'recovery' });
    expect(result.alerts).to.deep.equal({ firing: 1, resolved: 1 });
    expect(result.events.map((e) => e.alert.status)).to.deep.equal(['firing', 'resolved']);
  });

  it('records the same notification delivered three times only once', async () => {
    const body = notification([alert({ fingerprint: 'p0', startsAt: T0 }), alert({ fingerprint: 'p1', startsAt: T0 })]);
    const first = await deliver(body);
    env.clock.advance(10_000);
    const second = await deliver(body); // an HA peer's copy: a second stored notification
    const stored = (await env.store.getNotification(first.notificationId))!;
    const third = await processNotification(env, stored); // a replay of the first one

    const incidents = await allIncidents(env.store);
    expect(incidents).to.have.length(1);
    expect(await kinds(env.store, incidents[0]!.id)).to.deep.equal(['incident.opened', 'alert.firing', 'alert.firing']);
    expect([first.duplicates, second.duplicates, third.duplicates]).to.deep.equal([0, 2, 2]);
    expect(second.incidents).to.deep.equal([]);
    expect(second.events).to.deep.equal([]);
    expect(second.timeline).to.deep.equal([]);
  });

  it('resolves the incident when the last of its alerts resolves, at that alert\'s end time', async () => {
    await deliver(notification([alert({ fingerprint: 'p0', startsAt: T0 }), alert({ fingerprint: 'p1', startsAt: T0 })]));
    env.clock.advance(60_000);
    const partial = await deliver(notification([alert({ fingerprint: 'p0', status: 'resolved', startsAt: T0, endsAt: '2026-03-01T10:01:30.000Z' })]));
    expect(partial.incidents[0]).to.include({ status: 'open' });
    expect(partial.incidents[0]?.transitions).to.deep.equal([]);

    env.clock.advance(60_000);
    const last = await deliver(notification([alert({ fingerprint: 'p1', status: 'resolved', startsAt: T0, endsAt: '2026-03-01T10:02:40.000Z' })]));
    const [incident] = await allIncidents(env.store);
    expect(incident).to.include({ status: 'resolved', resolvedAt: '2026-03-01T10:02:40.000Z' });
    expect(last.incidents[0]?.transitions).to.deep.equal([{ from: 'open', to: 'resolved' }]);
    const status = (await env.store.timeline(incident!.id)).filter((e) => e.kind === 'incident.status');
    expect(status.map((e) => [e.at, e.actor, e.summary, e.data.from, e.data.to])).to.deep.equal([
      ['2026-03-01T10:02:40.000Z', 'alertmanager', 'Resolved: all 2 alerts resolved', 'open', 'resolved'],
    ]);
  });

  it('leaves nothing half-done when processing fails mid-way, and a replay then does it all', async () => {
    const body = notification([alert({ fingerprint: 'p0', startsAt: T0 }), alert({ fingerprint: 'p1', startsAt: T0 })]);
    const stored = await env.store.appendNotification(body, '2026-03-01T10:01:00.000Z');
    let calls = 0;
    // keyFor runs once per new alert; the second call comes after the first alert's writes, so
    // a crash there interrupts the transaction half-way.
    const crashing = {
      keyFor: () => {
        calls += 1;
        if (calls === 2) throw new Error('simulated crash');
        return 'group';
      },
    };
    let failure: unknown;
    await processNotification(env, stored, crashing).catch((err: unknown) => (failure = err));
    expect((failure as Error).message).to.equal('simulated crash');
    expect(calls).to.equal(2);
    expect(await allIncidents(env.store)).to.deep.equal([]);
    expect((await env.store.unprocessedNotifications(10)).map((n) => n.id)).to.deep.equal([stored.id]);

    const replay = await processNotification(env, (await env.store.unprocessedNotifications(10))[0]!, { keyFor: () => 'group' });
    expect(replay.duplicates).to.equal(0);
    const incidents = await allIncidents(env.store);
    expect(incidents).to.have.length(1);
    expect(await kinds(env.store, incidents[0]!.id)).to.deep.equal(['incident.opened', 'alert.firing', 'alert.firing']);
    expect(await env.store.unprocessedNotifications(10)).to.deep.equal([]);
  });

  it('keeps a firing that arrives after its own resolution from re-opening the incident', async () => {
    const first = await deliver(notification([alert({ fingerprint: 'p0', status: 'resolved', startsAt: T0, endsAt: T1 })]));
    expect(first.incidents[0]).to.deep.include({ status: 'resolved', opened: true });
    expect(first.incidents[0]?.transitions).to.deep.equal([
      { from: null, to: 'open' },
      { from: 'open', to: 'resolved' },
    ]);

    env.clock.advance(5_000);
    const late = await deliver(notification([alert({ fingerprint: 'p0', startsAt: T0 })]));
    const incidents = await allIncidents(env.store);
    expect(incidents).to.have.length(1);
    expect(incidents[0]).to.include({ status: 'resolved', resolvedAt: T1 });
    expect(late.events).to.deep.equal([]);
    expect(late.incidents[0]?.transitions).to.deep.equal([]);
    const stale = (await env.store.timeline(incidents[0]!.id)).filter((e) => e.kind === 'alert.firing');
    expect(stale.map((e) => [e.at, e.data.stale])).to.deep.equal([[T0, true]]);
    expect(stale[0]?.summary).to.contain('late delivery');
  });

  it('ignores a late resolution of an older episode while a newer one fires', async () => {
    const T2 = '2026-03-01T10:20:00.000Z';
    await deliver(notification([alert({ fingerprint: 'p0', startsAt: T2 })]));
    const late = await deliver(notification([alert({ fingerprint: 'p0', status: 'resolved', startsAt: T0, endsAt: T1 })]));
    const [incident] = await allIncidents(env.store);
    expect(incident).to.include({ status: 'open', startedAt: T0 });
    expect(late.events).to.deep.equal([]);
  });

  it('re-opens a resolved incident when one of its alerts fires again', async () => {
    const T2 = '2026-03-01T10:20:00.000Z';
    await deliver(notification([alert({ fingerprint: 'p0', startsAt: T0 })]));
    await deliver(notification([alert({ fingerprint: 'p0', status: 'resolved', startsAt: T0, endsAt: T1 })]));
    const again = await deliver(notification([alert({ fingerprint: 'p0', startsAt: T2 })]));

    const incidents = await allIncidents(env.store);
    expect(incidents).to.have.length(1);
    expect(incidents[0]).to.include({ status: 'open', resolvedAt: null, startedAt: T0 });
    expect(again.incidents[0]?.transitions).to.deep.equal([{ from: 'resolved', to: 'open' }]);
    const reopen = (await env.store.timeline(incidents[0]!.id)).at(-1)!;
    expect(reopen).to.include({ kind: 'incident.status', at: T2, summary: 'Re-opened: KafkaUnderReplicatedPartitions firing again' });
  });

  it('opens a new incident rather than re-opening a closed one, and keeps late news of the old episode on it', async () => {
    const T2 = '2026-03-01T10:20:00.000Z';
    await deliver(notification([alert({ fingerprint: 'p0', startsAt: T0 })]));
    const [old] = await allIncidents(env.store);
    await closeIncident(env.store, old!.id, 'alice', env.clock.now(), 'handled by hand');

    const lateResolved = await deliver(notification([alert({ fingerprint: 'p0', status: 'resolved', startsAt: T0, endsAt: T1 })]));
    expect(lateResolved.incidents).to.deep.equal([{ id: old!.id, status: 'closed', opened: false, transitions: [] }]);
    expect(await allIncidents(env.store)).to.have.length(1);

    const refire = await deliver(notification([alert({ fingerprint: 'p0', startsAt: T2 })]));
    const incidents = await allIncidents(env.store);
    expect(incidents).to.have.length(2);
    const fresh = incidents.find((i) => i.id !== old!.id)!;
    expect(fresh).to.include({ status: 'open', startedAt: T2 });
    expect(refire.incidents).to.deep.equal([{ id: fresh.id, status: 'open', opened: true, transitions: [{ from: null, to: 'open' }] }]);
    expect((await env.store.getIncident(old!.id))!.status).to.equal('closed');
  });

  it('groups alerts of different notifications by the key keyFor computes', async () => {
    const byCluster = { keyFor: (a: { labels: Record<string, string> }) => `cluster=${a.labels.cluster ?? ''}` };
    await deliver(notification([alert({ fingerprint: 'p0', startsAt: T0 })], 'group-a'), byCluster);
    await deliver(notification([alert({ fingerprint: 'd0', startsAt: T1, labels: { alertname: 'KafkaDiskFilling', severity: 'warning' } })], 'group-b'), byCluster);
    await deliver(notification([alert({ fingerprint: 'x0', startsAt: T1, labels: { cluster: 'prod-us' } })], 'group-a'), byCluster);
    const incidents = await allIncidents(env.store);
    expect(incidents.map((i) => i.key).sort()).to.deep.equal(['cluster=prod-eu', 'cluster=prod-us']);
    const eu = incidents.find((i) => i.key === 'cluster=prod-eu')!;
    expect((await env.store.alertEvents(eu.id)).map((e) => e.alert.fingerprint)).to.deep.equal(['p0', 'd0']);
  });

  it('raises the incident severity when a more severe alert joins, never lowers it', async () => {
    await deliver(notification([alert({ fingerprint: 'p0', startsAt: T0, labels: { severity: 'warning' } })]));
    await deliver(notification([alert({ fingerprint: 'p1', startsAt: T0, labels: { severity: 'critical' } })]));
    await deliver(notification([alert({ fingerprint: 'p2', startsAt: T0, labels: { severity: 'info' } })]));
    const [incident] = await allIncidents(env.store);
    expect(incident!.severity).to.equal('critical');
  });

  it('marks an unreadable notification processed with its error and reports it', async () => {
    const stored = await env.store.appendNotification({ version: '4', alerts: 'nope' }, '2026-03-01T10:01:00.000Z');
    let failure: unknown;
    await processNotification(env, stored).catch((err: unknown) => (failure = err));
    expect(failure).to.be.instanceOf(FirebreakError);
    expect((failure as FirebreakError).code).to.equal('INCIDENT_INVALID_NOTIFICATION');
    const after = (await env.store.getNotification(stored.id))!;
    expect(after.processedAt).to.equal('2026-03-01T10:01:00.000Z');
    expect(after.error).to.match(/^INCIDENT_INVALID_NOTIFICATION: /);
    expect(await allIncidents(env.store)).to.deep.equal([]);
  });
});
