/**
 * Contract: the append-only timeline, roles and action items.
 */
import { expect } from 'chai';
import type { RoleAssignment, TimelineEntry } from '../../../src/model/incident.ts';
import { entry, newIncident, rejection, type ContractContext } from './contract-fixtures.ts';

export function timelineContract(ctx: ContractContext): void {
  describe('timeline', () => {
    it('appends entries with increasing ids and returns them in append order, unchanged', async () => {
      const store = await ctx.open();
      const incident = await store.createIncident(newIncident());
      const other = await store.createIncident(newIncident());
      const appended: TimelineEntry[] = [];
      for (let i = 0; i < 5; i++) {
        appended.push(await store.appendTimeline(entry(incident.id, { summary: `entry ${i}`, data: { i } })));
        // Entries of other incidents interleave; ids still only grow.
        await store.appendTimeline(entry(other.id, { phase: null, kind: 'step.planned', actor: 'engine' }));
      }
      const ids = appended.map((e) => e.id);
      ids.forEach((id, i) => i > 0 && expect(id).to.be.greaterThan(ids[i - 1] as number));
      expect(appended[0]).to.deep.equal({ ...entry(incident.id, { summary: 'entry 0', data: { i: 0 } }), id: ids[0] });
      expect(await store.timeline(incident.id)).to.deep.equal(appended);
      const others = await store.timeline(other.id);
      expect(others).to.have.length(5);
      expect(others[0]?.phase).to.equal(null);
    });

    it('tells the highest committed entry id, of any incident, also to another connection', async () => {
      const store = await ctx.open();
      const before = await store.lastTimelineId();
      expect(before).to.be.a('number').and.to.be.at.least(0);
      const a = await store.createIncident(newIncident());
      const b = await store.createIncident(newIncident());
      const first = await store.appendTimeline(entry(a.id));
      expect(await store.lastTimelineId()).to.equal(first.id);
      const second = await store.appendTimeline(entry(b.id));
      const other = await ctx.open();
      expect(await other.lastTimelineId()).to.equal(second.id);
      const rolledBack = new Error('rolled back');
      let caught: unknown;
      try {
        await store.transaction(async (tx) => {
          await tx.appendTimeline(entry(a.id));
          throw rolledBack;
        });
      } catch (err) {
        caught = err;
      }
      expect(caught).to.equal(rolledBack);
      expect(await other.lastTimelineId(), 'a rolled-back entry does not count').to.equal(second.id);
    });

    it('pages with afterId and limit', async () => {
      const store = await ctx.open();
      const incident = await store.createIncident(newIncident());
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) ids.push((await store.appendTimeline(entry(incident.id, { summary: `s${i}` }))).id);
      const page = await store.timeline(incident.id, { afterId: ids[1], limit: 2 });
      expect(page.map((e) => e.id)).to.deep.equal([ids[2], ids[3]]);
      expect((await store.timeline(incident.id, { afterId: ids[4] })).length).to.equal(0);
      expect((await store.timeline(incident.id, { afterId: 0 })).map((e) => e.id)).to.deep.equal(ids);
      await rejection(store.timeline(incident.id, { afterId: -1 }), 'STORE_INVALID_QUERY');
      await rejection(store.timeline(incident.id, { limit: 0 }), 'STORE_INVALID_QUERY');
      expect((await store.timeline(incident.id, { limit: 1000 })).map((e) => e.id)).to.deep.equal(ids);
    });

    it('keeps earlier entries as they were written (append-only)', async () => {
      const store = await ctx.open();
      const incident = await store.createIncident(newIncident());
      const data = { step: 'throttle', nested: { rate: 1048576 } };
      const first = await store.appendTimeline(entry(incident.id, { data }));
      data.nested.rate = 1;
      await store.appendTimeline(entry(incident.id, { kind: 'step.succeeded', data: { step: 'throttle' } }));
      const [stored] = await store.timeline(incident.id, { limit: 1 });
      expect(stored).to.deep.equal(first);
      expect(stored?.data).to.deep.equal({ step: 'throttle', nested: { rate: 1048576 } });
      const methods = Object.keys(store).concat(Object.getOwnPropertyNames(Object.getPrototypeOf(store)));
      expect(methods.filter((m) => /^(update|delete|remove|edit)Timeline/i.test(m))).to.deep.equal([]);
    });

    it('refuses entries for, and reads of, an unknown incident with NOT_FOUND', async () => {
      const store = await ctx.open();
      await rejection(store.appendTimeline(entry('INC-UNKNOWN')), 'NOT_FOUND');
      await rejection(store.timeline('INC-UNKNOWN'), 'NOT_FOUND');
    });
  });

  describe('roles and action items', () => {
    it('keeps one person per role; reassigning replaces', async () => {
      const store = await ctx.open();
      const incident = await store.createIncident(newIncident());
      const scribe: RoleAssignment = { role: 'scribe', person: 'carol', assignedAt: '2026-01-01T00:01:00.000Z', assignedBy: 'alice' };
      const commander: RoleAssignment = { role: 'commander', person: 'alice', assignedAt: '2026-01-01T00:00:00.000Z', assignedBy: 'alice' };
      await store.assignRole(incident.id, scribe);
      await store.assignRole(incident.id, commander);
      expect(await store.roles(incident.id)).to.deep.equal([commander, scribe]);
      const handover: RoleAssignment = { role: 'commander', person: 'bob', assignedAt: '2026-01-01T00:30:00.000Z', assignedBy: 'alice' };
      await store.assignRole(incident.id, handover);
      expect(await store.roles(incident.id)).to.deep.equal([handover, scribe]);
      const other = await store.createIncident(newIncident());
      expect(await store.roles(other.id)).to.deep.equal([]);
    });

    it('refuses roles for unknown incidents and unknown role names', async () => {
      const store = await ctx.open();
      const incident = await store.createIncident(newIncident());
      const assignment: RoleAssignment = { role: 'commander', person: 'a', assignedAt: '2026-01-01T00:00:00.000Z', assignedBy: 'a' };
      await rejection(store.assignRole('INC-UNKNOWN', assignment), 'NOT_FOUND');
      await rejection(store.roles('INC-UNKNOWN'), 'NOT_FOUND');
      const wizard = { ...assignment, role: 'wizard' } as unknown as RoleAssignment;
      await rejection(store.assignRole(incident.id, wizard), 'STORE_INVALID_VALUE');
    });

    it('adds action items with increasing ids and lists them in order', async () => {
      const store = await ctx.open();
      const incident = await store.createIncident(newIncident());
      const first = await store.addActionItem({
        incidentId: incident.id,
        title: 'Alert on disk growth rate, not only on free space',
        owner: 'dave',
        dueDate: '2026-02-01',
        createdAt: '2026-01-02T00:00:00.000Z',
        createdBy: 'alice',
      });
      const second = await store.addActionItem({
        incidentId: incident.id,
        title: 'Review consumer capacity of billing',
        owner: null,
        dueDate: null,
        createdAt: '2026-01-02T00:01:00.000Z',
        createdBy: 'engine',
      });
      expect(second.id).to.be.greaterThan(first.id);
      expect(first.title).to.equal('Alert on disk growth rate, not only on free space');
      expect(await store.actionItems(incident.id)).to.deep.equal([first, second]);
      const item = { ...first, incidentId: 'INC-UNKNOWN' };
      await rejection(store.addActionItem(item), 'NOT_FOUND');
      await rejection(store.actionItems('INC-UNKNOWN'), 'NOT_FOUND');
    });
  });
}
