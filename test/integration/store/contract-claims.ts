/**
 * Contract: claims on stored notifications, how processors (replicas) share the queue so that
 * each notification is processed by one of them.
 */
import { expect } from 'chai';
import type { Store } from '../../../src/store/types.ts';
import { rejection, timeWindow, unique, webhookBody, type ContractContext } from './contract-fixtures.ts';

async function appendMany(store: Store, count: number, body: () => unknown = webhookBody): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) ids.push((await store.appendNotification(body(), '2026-01-01T00:00:00.000Z')).id);
  return ids;
}

export function claimsContract(ctx: ContractContext): void {
  describe('notification claims', () => {
    it('gives each unprocessed notification to one owner until its claim ends, then to another', async () => {
      const store = await ctx.open();
      const t = timeWindow();
      const [a, b] = [unique('owner-a'), unique('owner-b')];
      const ids = await appendMany(store, 3);
      const after = (ids[0] as number) - 1;
      const first = await store.claimNotifications(10, { owner: a, now: t.at(0), until: t.at(60), afterId: after });
      expect(first.notifications.map((n) => n.id)).to.deep.equal(ids);
      expect(first.notifications[0]?.payload).to.have.property('groupKey');
      // While a's claim lasts b gets none of them, and learns when it ends.
      const second = await store.claimNotifications(10, { owner: b, now: t.at(30), until: t.at(90), afterId: after });
      expect(second.notifications).to.deep.equal([]);
      expect(second.nextExpiry).to.equal(t.at(60));
      // Once it ended (a died), b takes them over; a holds none of them any more.
      const taken = await store.claimNotifications(10, { owner: b, now: t.at(60), until: t.at(120), afterId: after });
      expect(taken.notifications.map((n) => n.id)).to.deep.equal(ids);
      expect(await store.transaction((tx) => tx.holdNotifications(ids, a, t.at(70)))).to.deep.equal([]);
      expect(await store.transaction((tx) => tx.holdNotifications(ids, b, t.at(130)))).to.deep.equal(ids);
    });

    it('renews a claim in a transaction, and leaves processed notifications out', async () => {
      const store = await ctx.open();
      const t = timeWindow();
      const [a, b] = [unique('owner-a'), unique('owner-b')];
      const ids = await appendMany(store, 3);
      const after = (ids[0] as number) - 1;
      await store.claimNotifications(10, { owner: a, now: t.at(0), until: t.at(10), afterId: after });
      const held = await store.transaction(async (tx) => {
        await tx.markNotificationProcessed(ids[1] as number, t.at(5));
        return tx.holdNotifications(ids, a, t.at(100));
      });
      expect(held).to.deep.equal([ids[0], ids[2]]);
      // Renewed to t+100: at t+50 b still gets nothing, and is told when to look again.
      const meanwhile = await store.claimNotifications(10, { owner: b, now: t.at(50), until: t.at(110), afterId: after });
      expect(meanwhile.notifications).to.deep.equal([]);
      expect(meanwhile.nextExpiry).to.equal(t.at(100));
      // A processed notification is never claimed again.
      const later = await store.claimNotifications(10, { owner: b, now: t.at(100), until: t.at(160), afterId: after });
      expect(later.notifications.map((n) => n.id)).to.deep.equal([ids[0], ids[2]]);
    });

    it("claims the owner's own again, but not what it skips, within a limit and a byte budget", async () => {
      const store = await ctx.open();
      const t = timeWindow();
      const [a, b] = [unique('owner-a'), unique('owner-b')];
      const big = () => ({ ...webhookBody(), padding: 'x'.repeat(10_000) });
      const ids = await appendMany(store, 4, big);
      const after = (ids[0] as number) - 1;
      const claim = { owner: a, now: t.at(0), until: t.at(60), afterId: after };
      // Each body is a little over 10 kB: 25 kB holds two of them, 1 byte still one.
      expect((await store.claimNotifications(10, { ...claim, maxBytes: 25_000 })).notifications.map((n) => n.id)).to.deep.equal(ids.slice(0, 2));
      expect((await store.claimNotifications(10, { ...claim, maxBytes: 1, skip: ids.slice(0, 2) })).notifications.map((n) => n.id)).to.deep.equal([ids[2]]);
      expect((await store.claimNotifications(1, { ...claim, skip: [ids[0] as number, ids[2] as number] })).notifications.map((n) => n.id)).to.deep.equal([ids[1]]);
      // What the byte budget left out was never claimed: another owner takes it.
      expect((await store.claimNotifications(10, { owner: b, now: t.at(1), until: t.at(61), afterId: after })).notifications.map((n) => n.id)).to.deep.equal([ids[3]]);
    });

    it("gives up an owner's claims, and only its own: another owner takes them at once", async () => {
      const store = await ctx.open();
      const t = timeWindow();
      const [a, b, c] = [unique('owner-a'), unique('owner-b'), unique('owner-c')];
      const ids = await appendMany(store, 2);
      const after = (ids[0] as number) - 1;
      await store.claimNotifications(10, { owner: a, now: t.at(0), until: t.at(60), afterId: after });
      await store.releaseNotifications([ids[0] as number], a);
      const taken = await store.claimNotifications(10, { owner: b, now: t.at(1), until: t.at(61), afterId: after });
      expect(taken.notifications.map((n) => n.id)).to.deep.equal([ids[0]]);
      // c cannot give up what a and b hold.
      await store.releaseNotifications(ids, c);
      expect((await store.claimNotifications(10, { owner: c, now: t.at(2), until: t.at(62), afterId: after })).notifications).to.deep.equal([]);
    });

    it('never gives one notification to two owners claiming at the same moment', async () => {
      const store = await ctx.open();
      const t = timeWindow();
      const ids = await appendMany(store, 40);
      const after = (ids[0] as number) - 1;
      const owners = Array.from({ length: 4 }, () => ({ owner: unique('owner'), has: [] as number[] }));
      for (let round = 0; round < 10; round++) {
        const pages = await Promise.all(
          owners.map(({ owner, has }) => store.claimNotifications(3, { owner, now: t.at(round), until: t.at(600), afterId: after, skip: has })),
        );
        pages.forEach((page, i) => owners[i]?.has.push(...page.notifications.map((n) => n.id)));
      }
      const claimed = owners.flatMap((o) => o.has).filter((id) => ids.includes(id));
      expect(claimed.sort((x, y) => x - y)).to.deep.equal(ids);
    });

    it('refuses a claim without an owner, ending before now, or with a bad limit', async () => {
      const store = await ctx.open();
      const t = timeWindow();
      await rejection(store.claimNotifications(10, { owner: '', now: t.at(0), until: t.at(1) }), 'STORE_INVALID_VALUE');
      await rejection(store.claimNotifications(10, { owner: 'a', now: t.at(1), until: t.at(1) }), 'STORE_INVALID_VALUE');
      await rejection(store.claimNotifications(0, { owner: 'a', now: t.at(0), until: t.at(1) }), 'STORE_INVALID_QUERY');
      await rejection(store.claimNotifications(10, { owner: 'a', now: t.at(0), until: t.at(1), maxBytes: 0 }), 'STORE_INVALID_QUERY');
    });
  });
}
