/**
 * Contract: transactions (commit, rollback, serial behaviour under concurrency) and durability
 * across close and reopen.
 */
import { expect } from 'chai';
import type { Incident } from '../../../src/model/incident.ts';
import type { StoreTx } from '../../../src/store/types.ts';
import { alert, entry, newIncident, rejection, unique, webhookBody, yieldToOthers, type ContractContext } from './contract-fixtures.ts';

/** The engine's find-or-create, with pauses where a real transaction would await other work. */
async function findOrCreate(tx: StoreTx, key: string): Promise<{ incident: Incident; created: boolean }> {
  const existing = await tx.findActiveIncidentByKey(key);
  await yieldToOthers();
  if (existing !== null) return { incident: existing, created: false };
  await yieldToOthers();
  return { incident: await tx.createIncident(newIncident({ key })), created: true };
}

export function transactionsContract(ctx: ContractContext): void {
  describe('transactions', () => {
    it('commits everything fn wrote when it resolves, and resolves with its value', async () => {
      const store = await ctx.open();
      const n = await store.appendNotification(webhookBody(), '2026-01-01T00:00:00.000Z');
      const result = await store.transaction(async (tx) => {
        const incident = await tx.createIncident(newIncident());
        await tx.recordAlertEvent({ incidentId: incident.id, alert: alert(), notificationId: n.id, receivedAt: n.receivedAt });
        await tx.appendTimeline(entry(incident.id, { kind: 'incident.opened', actor: 'engine' }));
        await tx.markNotificationProcessed(n.id, '2026-01-01T00:00:01.000Z');
        return incident;
      });
      expect(await store.getIncident(result.id)).to.deep.equal(result);
      expect(await store.alertEvents(result.id)).to.have.length(1);
      expect(await store.timeline(result.id)).to.have.length(1);
      expect((await store.getNotification(n.id))?.processedAt).to.equal('2026-01-01T00:00:01.000Z');
    });

    it('rolls back everything when fn throws, rethrowing its error, so the notification is replayed', async () => {
      const store = await ctx.open();
      const n = await store.appendNotification(webhookBody(), '2026-01-01T00:00:00.000Z');
      const key = unique('key');
      const a = alert();
      let incidentId = '';
      const failure = new Error('runbook lookup failed');
      let caught: unknown;
      try {
        await store.transaction(async (tx) => {
          const incident = await tx.createIncident(newIncident({ key }));
          incidentId = incident.id;
          expect(await tx.recordAlertEvent({ incidentId, alert: a, notificationId: n.id, receivedAt: n.receivedAt })).to.equal(true);
          await tx.appendTimeline(entry(incidentId));
          await tx.markNotificationProcessed(n.id, '2026-01-01T00:00:01.000Z');
          throw failure;
        });
      } catch (err) {
        caught = err;
      }
      expect(caught).to.equal(failure);
      expect(await store.getIncident(incidentId)).to.equal(null);
      expect(await store.findActiveIncidentByKey(key)).to.equal(null);
      expect(await store.findIncidentByFingerprint(a.fingerprint)).to.equal(null);
      expect((await store.unprocessedNotifications(500)).map((x) => x.id)).to.include(n.id);
      // The rolled-back alert state is not a duplicate: the replay records it.
      const incident = await store.createIncident(newIncident({ key }));
      expect(await store.recordAlertEvent({ incidentId: incident.id, alert: a, notificationId: n.id, receivedAt: n.receivedAt })).to.equal(true);
    });

    it('runs concurrent find-or-create transactions as if one after another', async () => {
      const store = await ctx.open();
      const key = unique('key');
      const results = await Promise.all(
        Array.from({ length: 5 }, () => store.transaction((tx) => findOrCreate(tx, key))),
      );
      expect(results.filter((r) => r.created)).to.have.length(1);
      expect(new Set(results.map((r) => r.incident.id)).size).to.equal(1);
      expect((await store.findActiveIncidentByKey(key))?.id).to.equal(results[0]?.incident.id);
    });

    it('loses no update when concurrent transactions read, modify and write one incident', async () => {
      const store = await ctx.open();
      const incident = await store.createIncident(newIncident({ labels: { count: '0' } }));
      await Promise.all(
        Array.from({ length: 8 }, () =>
          store.transaction(async (tx) => {
            const current = await tx.getIncident(incident.id);
            await yieldToOthers();
            const count = Number(current?.labels.count) + 1;
            await tx.updateIncident(incident.id, { labels: { count: String(count) } });
          }),
        ),
      );
      expect((await store.getIncident(incident.id))?.labels.count).to.equal('8');
    });

    it('never shows uncommitted writes to calls outside the transaction, and serves them meanwhile', async () => {
      const store = await ctx.open();
      const key = unique('key');
      let reportCreated: () => void = () => {};
      const created = new Promise<void>((resolve) => {
        reportCreated = resolve;
      });
      const running = store.transaction(async (tx) => {
        await tx.createIncident(newIncident({ key }));
        reportCreated();
        for (let i = 0; i < 5; i++) await yieldToOthers();
        throw new Error('abandon');
      });
      await created;
      const [outsideRead, appended] = await Promise.all([
        store.findActiveIncidentByKey(key),
        store.appendNotification(webhookBody(), '2026-01-01T00:00:00.000Z'),
      ]);
      let abandoned: unknown;
      await running.catch((err: unknown) => {
        abandoned = err;
      });
      expect((abandoned as Error).message).to.equal('abandon');
      expect(outsideRead).to.equal(null);
      expect(await store.getNotification(appended.id)).to.deep.equal(appended);
      expect(await store.findActiveIncidentByKey(key)).to.equal(null);
    });

    it('refuses the tx once its transaction has finished', async () => {
      const store = await ctx.open();
      let leaked: StoreTx | undefined;
      await store.transaction(async (tx) => {
        leaked = tx;
      });
      await rejection((leaked as StoreTx).createIncident(newIncident()), 'STORE_TX_MISUSE');
    });
  });

  describe('durability', () => {
    it('sees everything committed after the store is closed and reopened', async () => {
      const first = await ctx.open();
      const processed = await first.appendNotification(webhookBody(), '2026-01-01T00:00:00.000Z');
      const pending = await first.appendNotification(webhookBody(), '2026-01-01T00:00:01.000Z');
      const incident = await first.transaction(async (tx) => {
        const created = await tx.createIncident(newIncident());
        await tx.appendTimeline(entry(created.id));
        await tx.assignRole(created.id, { role: 'commander', person: 'alice', assignedAt: '2026-01-01T00:00:02.000Z', assignedBy: 'alice' });
        await tx.markNotificationProcessed(processed.id, '2026-01-01T00:00:02.000Z');
        return created;
      });
      const item = await first.addActionItem({
        incidentId: incident.id,
        title: 'Add a second broker to the rack',
        owner: null,
        dueDate: null,
        createdAt: '2026-01-02T00:00:00.000Z',
        createdBy: 'alice',
      });
      const timeline = await first.timeline(incident.id);
      await first.close();

      const second = await ctx.open();
      expect(await second.getIncident(incident.id)).to.deep.equal(incident);
      expect(await second.timeline(incident.id)).to.deep.equal(timeline);
      expect((await second.roles(incident.id)).map((r) => r.person)).to.deep.equal(['alice']);
      expect(await second.actionItems(incident.id)).to.deep.equal([item]);
      const replay = (await second.unprocessedNotifications(500)).map((n) => n.id);
      expect(replay).to.include(pending.id);
      expect(replay).to.not.include(processed.id);
      expect(await second.getNotification(pending.id)).to.deep.equal(pending);
      // Ids keep growing after a reopen.
      expect((await second.appendTimeline(entry(incident.id))).id).to.be.greaterThan(timeline.at(-1)?.id ?? 0);
    });
  });
}
