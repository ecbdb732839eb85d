/**
 * Contract: durable timers. One live timer per key; due timers claimed once with a
 * compare-and-set (owner, lease, fencing token); a lease that ran out can be taken over and then
 * fences the first holder out; finishing reschedules or ends a timer; cancelling; durability
 * across a reopen.
 */
import { expect } from 'chai';
import type { Store } from '../../../src/store/types.ts';
import type { NewTimer } from '../../../src/model/engine.ts';
import { newIncident, rejection, timeWindow, unique, type ContractContext } from './contract-fixtures.ts';

async function releaseTimer(store: Store, overrides: Partial<NewTimer> = {}): Promise<{ timer: NewTimer; incidentId: string }> {
  const incident = await store.createIncident(newIncident());
  const timer: NewTimer = {
    kind: 'release',
    key: unique('release'),
    incidentId: incident.id,
    claimId: null,
    dueAt: '2026-01-01T00:01:00.000Z',
    state: { heldSince: null },
    createdAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
  return { timer, incidentId: incident.id };
}

export function timersContract(ctx: ContractContext): void {
  describe('durable timers', () => {
    it('schedules a timer once per live key and reads it back exactly', async () => {
      const store = await ctx.open();
      const { timer, incidentId } = await releaseTimer(store);
      const first = await store.scheduleTimer(timer);
      expect(first).to.deep.include({ kind: 'release', key: timer.key, incidentId, claimId: null, status: 'pending', dueAt: timer.dueAt, attempts: 0, owner: null, leaseUntil: null, token: 0, lastError: null });
      expect(first.state).to.deep.equal({ heldSince: null });
      const again = await store.scheduleTimer({ ...timer, dueAt: '2026-01-01T05:00:00.000Z', state: { other: true } });
      expect(again).to.deep.equal(first);
      expect(await store.timers({ key: timer.key })).to.deep.equal([first]);
      expect((await store.timers({ incidentId, kind: ['release'], status: ['pending'] })).map((t) => t.id)).to.deep.equal([first.id]);
      expect(await store.timers({ incidentId, kind: ['reconcile'] })).to.deep.equal([]);
    });

    it('refuses a timer for an unknown incident with NOT_FOUND, and an unknown kind with STORE_INVALID_VALUE', async () => {
      const store = await ctx.open();
      const { timer } = await releaseTimer(store);
      await rejection(store.scheduleTimer({ ...timer, incidentId: 'INC-0000000000000000' }), 'NOT_FOUND');
      await rejection(store.scheduleTimer({ ...timer, kind: 'alarm' as never }), 'STORE_INVALID_VALUE');
    });

    it('lists only timers that are due or whose lease ran out, by due time', async () => {
      const store = await ctx.open();
      const window = timeWindow();
      const { timer } = await releaseTimer(store);
      const later = await store.scheduleTimer({ ...timer, key: unique('t'), dueAt: window.at(30) });
      const sooner = await store.scheduleTimer({ ...timer, key: unique('t'), dueAt: window.at(10) });
      const mine = (ids: number[]) => ids.filter((id) => id === later.id || id === sooner.id);
      expect(mine((await store.dueTimers(window.at(5), 500)).map((t) => t.id))).to.deep.equal([]);
      expect(mine((await store.dueTimers(window.at(10), 500)).map((t) => t.id))).to.deep.equal([sooner.id]);
      expect(mine((await store.dueTimers(window.at(30), 500)).map((t) => t.id))).to.deep.equal([sooner.id, later.id]);
      await store.claimTimer(sooner.id, { owner: 'a', now: window.at(10), leaseUntil: window.at(70) });
      expect(mine((await store.dueTimers(window.at(30), 500)).map((t) => t.id))).to.deep.equal([later.id]);
      expect(mine((await store.dueTimers(window.at(70), 500)).map((t) => t.id))).to.deep.equal([sooner.id, later.id]);
      await rejection(store.dueTimers(window.at(70), 0), 'STORE_INVALID_QUERY');
    });

    it('lets exactly one of two processes claim a due timer, with a new fencing token', async () => {
      const store = await ctx.open();
      const { timer } = await releaseTimer(store);
      const scheduled = await store.scheduleTimer(timer);
      expect(await store.claimTimer(scheduled.id, { owner: 'a', now: '2026-01-01T00:00:59.000Z', leaseUntil: '2026-01-01T00:02:00.000Z' })).to.equal(null);
      const [a, b] = await Promise.all([
        store.claimTimer(scheduled.id, { owner: 'a', now: '2026-01-01T00:01:00.000Z', leaseUntil: '2026-01-01T00:02:00.000Z' }),
        store.claimTimer(scheduled.id, { owner: 'b', now: '2026-01-01T00:01:00.000Z', leaseUntil: '2026-01-01T00:02:00.000Z' }),
      ]);
      const won = [a, b].filter((t) => t !== null);
      expect(won).to.have.length(1);
      expect(won[0]).to.deep.include({ status: 'running', leaseUntil: '2026-01-01T00:02:00.000Z', token: scheduled.token + 1 });
      expect(['a', 'b']).to.include(won[0]!.owner);
      await rejection(store.claimTimer(scheduled.id + 100_000, { owner: 'a', now: '2026-01-01T00:01:00.000Z', leaseUntil: '2026-01-01T00:02:00.000Z' }), 'NOT_FOUND');
    });

    it('gives a timer whose lease ran out to another process and fences the first holder out', async () => {
      const store = await ctx.open();
      const { timer } = await releaseTimer(store);
      const scheduled = await store.scheduleTimer(timer);
      const first = (await store.claimTimer(scheduled.id, { owner: 'a', now: '2026-01-01T00:01:00.000Z', leaseUntil: '2026-01-01T00:02:00.000Z' }))!;
      expect(await store.claimTimer(scheduled.id, { owner: 'b', now: '2026-01-01T00:01:59.000Z', leaseUntil: '2026-01-01T00:03:00.000Z' })).to.equal(null);
      const second = (await store.claimTimer(scheduled.id, { owner: 'b', now: '2026-01-01T00:02:00.000Z', leaseUntil: '2026-01-01T00:03:00.000Z' }))!;
      expect(second).to.deep.include({ owner: 'b', token: first.token + 1 });
      expect(await store.finishTimer(scheduled.id, first.token, { status: 'done', at: '2026-01-01T00:02:01.000Z' })).to.equal(null);
      const done = await store.finishTimer(scheduled.id, second.token, { status: 'done', at: '2026-01-01T00:02:02.000Z', state: { released: true } });
      expect(done).to.deep.include({ status: 'done', owner: null, leaseUntil: null, updatedAt: '2026-01-01T00:02:02.000Z' });
      expect(done!.state).to.deep.equal({ released: true });
      // A finished key can be scheduled anew.
      const next = await store.scheduleTimer({ ...timer, dueAt: '2026-01-01T00:10:00.000Z' });
      expect(next.id).to.not.equal(scheduled.id);
      expect(next.status).to.equal('pending');
    });

    it('reschedules a timer with new state and attempts, and keeps it across a reopen', async () => {
      const store = await ctx.open();
      const { timer } = await releaseTimer(store);
      const scheduled = await store.scheduleTimer(timer);
      const claimed = (await store.claimTimer(scheduled.id, { owner: 'a', now: '2026-01-01T00:01:00.000Z', leaseUntil: '2026-01-01T00:02:00.000Z' }))!;
      const again = await store.finishTimer(scheduled.id, claimed.token, {
        status: 'pending',
        at: '2026-01-01T00:01:01.000Z',
        dueAt: '2026-01-01T00:01:11.000Z',
        state: { heldSince: '2026-01-01T00:01:00.000Z' },
        attempts: 1,
        lastError: 'KAFKA_UNREACHABLE: no broker answered',
      });
      expect(again).to.deep.include({ status: 'pending', dueAt: '2026-01-01T00:01:11.000Z', attempts: 1, owner: null, lastError: 'KAFKA_UNREACHABLE: no broker answered' });
      await store.close();
      const reopened = await ctx.open();
      const [kept] = await reopened.timers({ key: timer.key });
      expect(kept).to.deep.equal(again);
      expect(await reopened.finishTimer(scheduled.id, claimed.token, { status: 'done', at: '2026-01-01T00:01:02.000Z' })).to.equal(null);
      await rejection(reopened.finishTimer(scheduled.id + 100_000, 1, { status: 'done', at: '2026-01-01T00:01:02.000Z' }), 'NOT_FOUND');
    });

    it('cancels live timers by incident; a cancelled run cannot be finished', async () => {
      const store = await ctx.open();
      const { timer, incidentId } = await releaseTimer(store);
      const a = await store.scheduleTimer(timer);
      const b = await store.scheduleTimer({ ...timer, key: unique('t') });
      const running = (await store.claimTimer(b.id, { owner: 'x', now: '2026-01-01T00:01:00.000Z', leaseUntil: '2026-01-01T00:02:00.000Z' }))!;
      const cancelled = await store.cancelTimers({ incidentId }, '2026-01-01T00:01:30.000Z');
      expect(cancelled.map((t) => [t.id, t.status])).to.deep.equal([
        [a.id, 'cancelled'],
        [b.id, 'cancelled'],
      ]);
      expect(await store.finishTimer(b.id, running.token, { status: 'done', at: '2026-01-01T00:01:31.000Z' })).to.equal(null);
      expect(await store.cancelTimers({ incidentId }, '2026-01-01T00:01:40.000Z')).to.deep.equal([]);
      expect(await store.timers({ incidentId, status: ['pending', 'running'] })).to.deep.equal([]);
    });

    it('keeps nothing of a timer scheduled in a transaction that rolls back', async () => {
      const store = await ctx.open();
      const { timer } = await releaseTimer(store);
      try {
        await store.transaction(async (tx) => {
          await tx.scheduleTimer(timer);
          throw new Error('the release could not be recorded');
        });
      } catch {
        // expected
      }
      expect(await store.timers({ key: timer.key })).to.deep.equal([]);
    });
  });
}
