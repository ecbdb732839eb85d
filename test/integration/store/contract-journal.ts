/**
 * Contract: lifecycle, the notification journal and the alert-event dedupe ledger.
 */
import { expect } from 'chai';
import { alert, newIncident, rejection, webhookBody, type ContractContext } from './contract-fixtures.ts';

export function journalContract(ctx: ContractContext): void {
  describe('lifecycle', () => {
    it('migrates idempotently, answers ping, and refuses calls once closed', async () => {
      const store = await ctx.open();
      await store.migrate();
      await store.ping();
      const stored = await store.appendNotification(webhookBody(), '2026-01-01T00:00:00.000Z');
      expect((await store.getNotification(stored.id))?.id).to.equal(stored.id);
      await store.close();
      await store.close();
      await rejection(store.ping(), 'STORE_CLOSED');
      await rejection(store.getNotification(stored.id), 'STORE_CLOSED');
    });
  });

  describe('notification journal', () => {
    it('keeps the webhook body exactly as parsed and hands out increasing ids', async () => {
      const store = await ctx.open();
      const body = webhookBody();
      const first = await store.appendNotification(body, '2026-01-01T00:00:00.000Z');
      const second = await store.appendNotification({ ...body, status: 'resolved' }, '2026-01-01T00:00:01.000Z');
      expect(second.id).to.be.greaterThan(first.id);
      expect(first).to.deep.equal({
        id: first.id,
        receivedAt: '2026-01-01T00:00:00.000Z',
        payload: body,
        processedAt: null,
        error: null,
      });
      expect(await store.getNotification(first.id)).to.deep.equal(first);
      expect(await store.getNotification(second.id + 1000)).to.equal(null);
    });

    it('replays unprocessed notifications oldest first, within the limit', async () => {
      const store = await ctx.open();
      const ids: number[] = [];
      for (let i = 0; i < 4; i++) {
        ids.push((await store.appendNotification(webhookBody(), `2026-01-01T00:00:0${i}.000Z`)).id);
      }
      await store.markNotificationProcessed(ids[1] as number, '2026-01-01T00:01:00.000Z');
      await store.markNotificationProcessed(ids[2] as number, '2026-01-01T00:01:00.000Z', 'INCIDENT_INVALID_NOTIFICATION: no alerts');
      const pending = (await store.unprocessedNotifications(500)).map((n) => n.id).filter((id) => ids.includes(id));
      expect(pending).to.deep.equal([ids[0], ids[3]]);
      const limited = await store.unprocessedNotifications(1);
      expect(limited).to.have.length(1);
      const failed = await store.getNotification(ids[2] as number);
      expect(failed?.processedAt).to.equal('2026-01-01T00:01:00.000Z');
      expect(failed?.error).to.equal('INCIDENT_INVALID_NOTIFICATION: no alerts');
      expect((await store.getNotification(ids[1] as number))?.error).to.equal(null);
    });

    it('rejects replay limits that are not positive integers, and marking an unknown notification', async () => {
      const store = await ctx.open();
      await rejection(store.unprocessedNotifications(0), 'STORE_INVALID_QUERY');
      await rejection(store.unprocessedNotifications(2.5), 'STORE_INVALID_QUERY');
      expect(await store.unprocessedNotifications(10_000)).to.be.an('array');
      const err = await rejection(store.markNotificationProcessed(987_654_321, '2026-01-01T00:00:00.000Z'), 'NOT_FOUND');
      expect(err.statusCode).to.equal(404);
    });

    it('pages unprocessed notifications after an id and within a byte budget, always at least one', async () => {
      const store = await ctx.open();
      const big = { ...webhookBody(), padding: 'x'.repeat(10_000) };
      const ids: number[] = [];
      for (let i = 0; i < 4; i++) ids.push((await store.appendNotification(big, `2026-01-01T00:00:0${i}.000Z`)).id);
      const after = (ids[0] as number) - 1;
      const mine = (page: Array<{ id: number }>) => page.map((n) => n.id).filter((id) => ids.includes(id));
      expect(mine(await store.unprocessedNotifications(10, { afterId: after }))).to.deep.equal(ids);
      expect(mine(await store.unprocessedNotifications(10, { afterId: ids[1] as number }))).to.deep.equal(ids.slice(2));
      // Each body is a little over 10 kB: 25 kB holds two of them, 1 byte still returns one.
      expect(mine(await store.unprocessedNotifications(10, { afterId: after, maxBytes: 25_000 }))).to.deep.equal(ids.slice(0, 2));
      expect(mine(await store.unprocessedNotifications(10, { afterId: after, maxBytes: 1 }))).to.deep.equal(ids.slice(0, 1));
      const [first] = await store.unprocessedNotifications(1, { afterId: after });
      expect(first?.payload).to.deep.equal(big);
      await rejection(store.unprocessedNotifications(10, { maxBytes: 0 }), 'STORE_INVALID_QUERY');
    });

    it('refuses a payload that is not JSON', async () => {
      const store = await ctx.open();
      await rejection(store.appendNotification({ n: 1n }, '2026-01-01T00:00:00.000Z'), 'STORE_INVALID_VALUE');
    });
  });

  describe('alert events', () => {
    it('records an alert state once: a duplicate delivery returns false and writes nothing', async () => {
      const store = await ctx.open();
      const n = await store.appendNotification(webhookBody(), '2026-01-01T00:00:00.000Z');
      const first = await store.createIncident(newIncident());
      const other = await store.createIncident(newIncident());
      const a = alert();
      const event = { incidentId: first.id, alert: a, notificationId: n.id, receivedAt: n.receivedAt };
      expect(await store.recordAlertEvent(event)).to.equal(true);
      // The same state again, even claimed for another incident and with other labels: a duplicate.
      const again = { ...event, incidentId: other.id, alert: { ...a, labels: { changed: 'yes' } } };
      expect(await store.recordAlertEvent(again)).to.equal(false);
      expect(await store.alertEvents(first.id)).to.deep.equal([event]);
      expect(await store.alertEvents(other.id)).to.deep.equal([]);
    });

    it('tells states apart by status and by startsAt', async () => {
      const store = await ctx.open();
      const n = await store.appendNotification(webhookBody(), '2026-01-01T00:00:00.000Z');
      const incident = await store.createIncident(newIncident());
      const firing = alert();
      const resolved = { ...firing, status: 'resolved' as const, endsAt: '2026-01-01T00:10:00.000Z' };
      const refired = { ...firing, startsAt: '2026-01-01T01:00:00.000Z' };
      for (const a of [firing, resolved, refired]) {
        expect(await store.recordAlertEvent({ incidentId: incident.id, alert: a, notificationId: n.id, receivedAt: n.receivedAt })).to.equal(true);
      }
      expect((await store.alertEvents(incident.id)).map((e) => e.alert)).to.deep.equal([firing, resolved, refired]);
    });

    it('finds the incident a fingerprint was last attached to', async () => {
      const store = await ctx.open();
      const n = await store.appendNotification(webhookBody(), '2026-01-01T00:00:00.000Z');
      const older = await store.createIncident(newIncident());
      const newer = await store.createIncident(newIncident());
      const a = alert();
      await store.recordAlertEvent({ incidentId: older.id, alert: a, notificationId: n.id, receivedAt: n.receivedAt });
      expect((await store.findIncidentByFingerprint(a.fingerprint))?.id).to.equal(older.id);
      const later = { ...a, startsAt: '2026-01-02T00:00:00.000Z' };
      await store.recordAlertEvent({ incidentId: newer.id, alert: later, notificationId: n.id, receivedAt: n.receivedAt });
      expect(await store.findIncidentByFingerprint(a.fingerprint)).to.deep.equal(newer);
      expect(await store.findIncidentByFingerprint('never-seen')).to.equal(null);
    });

    it('lists every state of a fingerprint across incidents, oldest first', async () => {
      const store = await ctx.open();
      const n = await store.appendNotification(webhookBody(), '2026-01-01T00:00:00.000Z');
      const older = await store.createIncident(newIncident());
      const newer = await store.createIncident(newIncident());
      const firing = alert();
      const resolved = { ...firing, status: 'resolved' as const, endsAt: '2026-01-01T00:10:00.000Z' };
      const refired = { ...firing, startsAt: '2026-01-02T00:00:00.000Z' };
      const events = [
        { incidentId: older.id, alert: firing, notificationId: n.id, receivedAt: n.receivedAt },
        { incidentId: older.id, alert: resolved, notificationId: n.id, receivedAt: n.receivedAt },
        { incidentId: newer.id, alert: refired, notificationId: n.id, receivedAt: n.receivedAt },
      ];
      for (const event of events) await store.recordAlertEvent(event);
      expect(await store.alertStates(firing.fingerprint)).to.deep.equal(events);
      expect(await store.alertStates('never-seen')).to.deep.equal([]);
    });

    it('counts the current state of each alert of an incident, whatever order the states arrived in', async () => {
      const store = await ctx.open();
      const n = await store.appendNotification(webhookBody(), '2026-01-01T00:00:00.000Z');
      const incident = await store.createIncident(newIncident());
      const record = (a: ReturnType<typeof alert>) => store.recordAlertEvent({ incidentId: incident.id, alert: a, notificationId: n.id, receivedAt: n.receivedAt });
      expect(await store.alertStateCounts(incident.id)).to.deep.equal({ firing: 0, resolved: 0, resolvedWithoutEnd: 0, latestEnd: null });
      const a = alert();
      const b = alert();
      const c = alert();
      await record(a);
      await record(b);
      await record(c);
      expect(await store.alertStateCounts(incident.id)).to.deep.include({ firing: 3, resolved: 0 });
      // a resolves; a late firing state of a's same episode changes nothing.
      await record({ ...a, status: 'resolved', endsAt: '2026-01-01T00:20:00.000Z' });
      await record({ ...a, startsAt: '2025-12-31T00:00:00.000Z' });
      // b resolves without an endsAt; c resolves, then fires again in a later episode.
      await record({ ...b, status: 'resolved', endsAt: null });
      await record({ ...c, status: 'resolved', endsAt: '2026-01-01T00:30:00.000Z' });
      await record({ ...c, startsAt: '2026-01-01T01:00:00.000Z' });
      expect(await store.alertStateCounts(incident.id)).to.deep.equal({ firing: 1, resolved: 2, resolvedWithoutEnd: 1, latestEnd: '2026-01-01T00:20:00.000Z' });
      await record({ ...c, status: 'resolved', startsAt: '2026-01-01T01:00:00.000Z', endsAt: '2026-01-01T01:05:00.000Z' });
      expect(await store.alertStateCounts(incident.id)).to.deep.equal({ firing: 0, resolved: 3, resolvedWithoutEnd: 1, latestEnd: '2026-01-01T01:05:00.000Z' });
      await rejection(store.alertStateCounts('INC-UNKNOWN'), 'NOT_FOUND');
    });

    it('refuses an event for an unknown incident with NOT_FOUND', async () => {
      const store = await ctx.open();
      const n = await store.appendNotification(webhookBody(), '2026-01-01T00:00:00.000Z');
      const event = { incidentId: 'INC-UNKNOWN', alert: alert(), notificationId: n.id, receivedAt: n.receivedAt };
      await rejection(store.recordAlertEvent(event), 'NOT_FOUND');
      await rejection(store.alertEvents('INC-UNKNOWN'), 'NOT_FOUND');
    });
  });
}
