import { expect } from 'chai';
import type { Incident, TimelineEntry } from '../../../src/model/incident.ts';
import { withTimelineFeed, type TimelineRecorder } from '../../../src/record/timeline-feed.ts';
import type { Store } from '../../../src/store/types.ts';
import { openIncidentFields, openMemoryStore, type MemoryStore } from '../incidents/memory-store.ts';

function incidentFields(): Omit<Incident, 'id' | 'updatedAt'> {
  return openIncidentFields({ key: 'consumer-lag{cluster="eu1"}', title: 'KafkaConsumerGroupLagHigh' });
}

describe('the timeline feed of the record stage', () => {
  let memory: MemoryStore;
  let seen: TimelineEntry[][];
  let store: Store;

  beforeEach(async () => {
    memory = await openMemoryStore();
    seen = [];
    const recorder: TimelineRecorder = { name: 'test', observe: (entries) => seen.push([...entries]) };
    store = withTimelineFeed(memory.store, [recorder], memory.logger);
  });

  afterEach(async () => {
    await memory.store.close();
  });

  it('reports the entries of a transaction once, after it commits, in append order', async () => {
    let seenInside = -1;
    const incident = await store.transaction(async (tx) => {
      const created = await tx.createIncident(incidentFields());
      await tx.appendTimeline({ incidentId: created.id, at: created.openedAt, phase: 'identification', kind: 'incident.opened', actor: 'alertmanager', summary: 'opened', data: {} });
      await tx.appendTimeline({ incidentId: created.id, at: created.openedAt, phase: 'identification', kind: 'alert.firing', actor: 'alertmanager', summary: 'firing', data: {} });
      seenInside = seen.length;
      return created;
    });
    expect(seenInside).to.equal(0);
    expect(seen).to.have.length(1);
    expect(seen[0]?.map((e) => e.kind)).to.deep.equal(['incident.opened', 'alert.firing']);
    expect(seen[0]?.every((e) => e.incidentId === incident.id && e.id > 0)).to.equal(true);
  });

  it('reports nothing of a transaction that rolls back', async () => {
    const incident = await store.transaction((tx) => tx.createIncident(incidentFields()));
    seen.length = 0;
    try {
      await store.transaction(async (tx) => {
        await tx.appendTimeline({ incidentId: incident.id, at: incident.openedAt, phase: null, kind: 'note', actor: 'alice', summary: 'lost', data: {} });
        throw new Error('rolled back');
      });
    } catch {
      // expected
    }
    expect(seen).to.deep.equal([]);
    expect(await memory.store.timeline(incident.id)).to.deep.equal([]);
  });

  it('reports a direct append, and leaves every other method to the store', async () => {
    const incident = await store.transaction((tx) => tx.createIncident(incidentFields()));
    const written = await store.appendTimeline({ incidentId: incident.id, at: incident.openedAt, phase: null, kind: 'note', actor: 'alice', summary: 'a note', data: {} });
    expect(seen).to.deep.equal([[written]]);
    expect((await store.getIncident(incident.id))?.key).to.equal(incident.key);
    expect(await store.timeline(incident.id)).to.deep.equal([written]);
  });

  it('keeps a recorder that throws away from the caller and the other recorders', async () => {
    const other: TimelineEntry[] = [];
    const feed = withTimelineFeed(
      memory.store,
      [
        { name: 'broken', observe: () => { throw new Error('boom'); } },
        { name: 'other', observe: (entries) => other.push(...entries) },
      ],
      memory.logger,
    );
    const incident = await feed.transaction((tx) => tx.createIncident(incidentFields()));
    await feed.appendTimeline({ incidentId: incident.id, at: incident.openedAt, phase: null, kind: 'note', actor: 'alice', summary: 'x', data: {} });
    expect(other.map((e) => e.kind)).to.deep.equal(['note']);
  });
});
