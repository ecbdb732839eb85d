/** An incident's timeline read a page at a time, as the API and the console page it. */
import { expect } from 'chai';
import { requireIncident, timelinePage } from '../../../src/incidents/overview.ts';
import { addNote } from '../../../src/incidents/operations.ts';
import { openIncidentFields, openMemoryStore, type MemoryStore } from './memory-store.ts';

describe('incident timeline pages', () => {
  let memory: MemoryStore;
  let id: string;

  beforeEach(async () => {
    memory = await openMemoryStore();
    const incident = await memory.store.createIncident(openIncidentFields());
    id = incident.id;
    for (const text of ['one', 'two', 'three']) await addNote(memory, id, { text }, 'alice');
  });

  afterEach(async () => {
    await memory.store.close();
  });

  it('answers a page after afterId, with the afterId of the next while a page is full', async () => {
    const first = await timelinePage(memory.store, id, { limit: 2 });
    expect(first.items.map((e) => e.data['text'])).to.deep.equal(['one', 'two']);
    expect(first.nextAfterId).to.equal(first.items[1]?.id);
    const second = await timelinePage(memory.store, id, { limit: 2, afterId: first.nextAfterId ?? 0 });
    expect(second.items.map((e) => e.data['text'])).to.deep.equal(['three']);
    expect(second.nextAfterId).to.equal(null);
  });

  it('refuses an unknown incident with NOT_FOUND, like every read of one', async () => {
    for (const read of [() => timelinePage(memory.store, 'nope', { limit: 10 }), () => requireIncident(memory.store, 'nope')]) {
      const err = await read().then(
        () => expect.fail('an unknown incident must be refused'),
        (e: unknown) => e,
      );
      expect(err).to.include({ code: 'NOT_FOUND', statusCode: 404 });
    }
    expect((await requireIncident(memory.store, id)).id).to.equal(id);
  });
});
