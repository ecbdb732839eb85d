/** Storm control: caps on the incidents alerts open, per notification and per minute. */
import { expect } from 'chai';
import type { Alert } from '../../../src/model/incident.ts';
import { processNotification, type ProcessOptions } from '../../../src/incidents/process.ts';
import { StormGate } from '../../../src/incidents/storm.ts';
import type { Incident } from '../../../src/model/incident.ts';
import { openMemoryStore, type MemoryStore } from './memory-store.ts';
import { alert, notification } from './payloads.ts';

const T0 = '2026-03-01T10:00:00.000Z';

/** Alerts of `groups` distinct groups (label `group`), one each. */
function groups(names: string[]): Array<Record<string, unknown>> {
  return names.map((name) => alert({ fingerprint: `fp-${name}`, startsAt: T0, labels: { group: name } }));
}

describe('storm control', () => {
  let env: MemoryStore;
  let options: ProcessOptions;

  beforeEach(async () => {
    env = await openMemoryStore('2026-03-01T10:01:00Z');
    options = {
      keyFor: (a: Alert) => `group:${a.labels.group}`,
      storm: {
        gate: new StormGate({ maxNewIncidentsPerNotification: 3, maxNewIncidentsPerMinute: 5 }),
        foldFor: (a: Alert) => ({ key: `storm:{alertname="${a.labels.alertname}",cluster="${a.labels.cluster}"}`, runbook: 'lag' }),
      },
    };
  });
  afterEach(async () => {
    await env.store.close();
  });

  async function deliver(body: unknown) {
    const stored = await env.store.appendNotification(body, new Date(env.clock.now()).toISOString());
    return processNotification(env, stored, options);
  }

  async function incidents(): Promise<Incident[]> {
    return (await env.store.listIncidents({ limit: 500 })).items;
  }

  it('opens at most the per-notification cap of incidents and folds the rest into one storm incident, saying so', async () => {
    const result = await deliver(notification(groups(['a', 'b', 'c', 'd', 'e'])));
    const all = await incidents();
    expect(all.map((i) => i.key).sort()).to.deep.equal(['group:a', 'group:b', 'group:c', 'storm:{alertname="KafkaUnderReplicatedPartitions",cluster="prod-eu"}']);
    const storm = all.find((i) => i.key.startsWith('storm:'))!;
    expect(storm.title).to.equal('Storm: KafkaUnderReplicatedPartitions on prod-eu');
    const timeline = await env.store.timeline(storm.id);
    expect(timeline.map((e) => e.kind)).to.deep.equal(['incident.opened', 'alert.firing', 'alert.firing', 'incident.storm']);
    expect(timeline.at(-1)?.data).to.deep.include({ alerts: 2, cap: 'per-notification', runbook: 'lag' });
    expect(timeline.at(-1)?.summary).to.match(/^Alert storm: 2 alerts folded into this incident/);
    expect(result.folded).to.deep.equal([{ incidentId: storm.id, runbook: 'lag', alerts: 2 }]);
    // Every alert is recorded: none is dropped.
    expect((await env.store.alertEvents(storm.id)).map((e) => e.alert.fingerprint)).to.deep.equal(['fp-d', 'fp-e']);
  });

  it('counts new incidents over a minute of receive times, then lets alerts open incidents again', async () => {
    await deliver(notification(groups(['a', 'b', 'c'])));
    env.clock.advance(10_000);
    const second = await deliver(notification(groups(['d', 'e', 'f'])));
    expect(second.folded.map((f) => f.alerts)).to.deep.equal([1]);
    const folded = (await incidents()).find((i) => i.key.startsWith('storm:'))!;
    expect((await env.store.timeline(folded.id)).at(-1)?.data).to.deep.include({ cap: 'per-minute' });
    env.clock.advance(60_000);
    const third = await deliver(notification(groups(['g'])));
    expect(third.folded).to.deep.equal([]);
    expect((await incidents()).map((i) => i.key)).to.include('group:g');
  });

  it('never folds an alert whose group already has an incident, nor a later state of a folded alert', async () => {
    await deliver(notification(groups(['a', 'b', 'c', 'd'])));
    env.clock.advance(1_000);
    const again = await deliver(notification([...groups(['a']), alert({ fingerprint: 'fp-a2', startsAt: T0, labels: { group: 'a' } }), alert({ fingerprint: 'fp-d', status: 'resolved', startsAt: T0, endsAt: '2026-03-01T10:00:30.000Z', labels: { group: 'd' } })]));
    expect(again.folded).to.deep.equal([]);
    const all = await incidents();
    const a = all.find((i) => i.key === 'group:a')!;
    expect((await env.store.alertEvents(a.id)).map((e) => e.alert.fingerprint)).to.deep.equal(['fp-a', 'fp-a2']);
    const storm = all.find((i) => i.key.startsWith('storm:'))!;
    expect(storm.status).to.equal('resolved');
  });
});
