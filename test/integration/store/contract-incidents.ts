/**
 * Contract: incidents (create, read, update, lookups by key), listing with keyset pagination,
 * and counts by status.
 */
import { expect } from 'chai';
import type { Incident, IncidentStatus } from '../../../src/model/incident.ts';
import { inPlace } from '../../../src/model/engine.ts';
import type { IncidentQuery, Store } from '../../../src/store/types.ts';
import { claimOf } from './contract-engine.ts';
import { newIncident, rejection, timeWindow, unique, type ContractContext } from './contract-fixtures.ts';

/** Follows cursors to the end and returns every id seen, in order. */
async function allPages(store: Store, query: Omit<IncidentQuery, 'limit' | 'cursor'>, limit: number, list: 'listIncidents' | 'incidentSummaries' = 'listIncidents') {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const result = await store[list]({ ...query, limit, ...(cursor === undefined ? {} : { cursor }) });
    expect(result.items.length).to.be.at.most(limit);
    ids.push(...result.items.map((i) => i.id));
    if (result.nextCursor === null) return ids;
    cursor = result.nextCursor;
  }
  throw new Error('pagination did not end');
}

export function incidentsContract(ctx: ContractContext): void {
  describe('incidents', () => {
    it('creates incidents with short, URL-safe ids that sort in creation order', async () => {
      const store = await ctx.open();
      const created: Incident[] = [];
      for (let i = 0; i < 5; i++) created.push(await store.createIncident(newIncident()));
      const ids = created.map((i) => i.id);
      for (const id of ids) {
        expect(id).to.match(/^[A-Za-z0-9_-]{1,32}$/);
      }
      expect(new Set(ids).size).to.equal(5);
      expect([...ids].sort()).to.deep.equal(ids);
    });

    it('returns what it stored, with updatedAt set, and null for an unknown id', async () => {
      const store = await ctx.open();
      const input = newIncident({ severity: null, cluster: null, runbook: null, labels: { 'kafka.io/ünïcode': 'yes' } });
      const created = await store.createIncident(input);
      expect(created).to.deep.include(input);
      expect(Number.isNaN(Date.parse(created.updatedAt))).to.equal(false);
      expect(await store.getIncident(created.id)).to.deep.equal(created);
      expect(await store.getIncident('INC-UNKNOWN')).to.equal(null);
    });

    it('updates only the patched fields and refuses unknown ids and statuses', async () => {
      const store = await ctx.open();
      const created = await store.createIncident(newIncident());
      const patched = await store.updateIncident(created.id, {
        status: 'contained',
        containedAt: '2026-01-01T00:03:00.000Z',
        updatedAt: '2026-01-01T00:03:00.000Z',
      });
      expect(patched).to.deep.equal({
        ...created,
        status: 'contained',
        containedAt: '2026-01-01T00:03:00.000Z',
        updatedAt: '2026-01-01T00:03:00.000Z',
      });
      const stamped = await store.updateIncident(created.id, { title: 'renamed', severity: undefined });
      expect(stamped.title).to.equal('renamed');
      expect(stamped.severity).to.equal(created.severity);
      expect(Number.isNaN(Date.parse(stamped.updatedAt))).to.equal(false);
      expect(await store.getIncident(created.id)).to.deep.equal(stamped);
      const err = await rejection(store.updateIncident('INC-UNKNOWN', { title: 'x' }), 'NOT_FOUND');
      expect(err.statusCode).to.equal(404);
      await rejection(store.updateIncident(created.id, { status: 'exploded' as IncidentStatus }), 'STORE_INVALID_VALUE');
      await rejection(store.createIncident(newIncident({ openedAt: 'not a time' })), 'STORE_INVALID_VALUE');
    });

    it('returns after any patch what a read of the incident gives, and finds it by its new key, status and opening time', async () => {
      const store = await ctx.open();
      const window = timeWindow();
      const created = await store.createIncident(newIncident({ openedAt: window.at(0) }));
      const key = unique('moved');
      const patches: Array<Partial<Omit<Incident, 'id'>>> = [
        { updatedAt: '2026-01-01T00:04:00.000Z' },
        { key, labels: { 'kafka.io/ünïcode': 'yes', empty: '' }, severity: null, cluster: null, runbook: 'consumer-lag' },
        { openedAt: window.at(1), status: 'resolved', resolvedAt: '2026-01-01T00:05:00.000Z' },
        { status: 'open', resolvedAt: null },
        {},
      ];
      for (const patch of patches) {
        const patched = await store.updateIncident(created.id, patch);
        expect(await store.getIncident(created.id), JSON.stringify(patch)).to.deep.equal(patched);
      }
      expect((await store.findActiveIncidentByKey(key))?.id).to.equal(created.id);
      expect(await store.findActiveIncidentByKey(created.key)).to.equal(null);
      const listed = await store.listIncidents({ status: ['open'], since: window.at(1), until: window.at(2), limit: 10 });
      expect(listed.items.map((i) => i.id)).to.deep.equal([created.id]);
    });

    it('finds the newest incident of a key that is not closed', async () => {
      const store = await ctx.open();
      const key = unique('cluster=main');
      const older = await store.createIncident(newIncident({ key, openedAt: '2026-01-01T00:00:00.000Z' }));
      const newer = await store.createIncident(newIncident({ key, openedAt: '2026-01-01T01:00:00.000Z' }));
      await store.createIncident(newIncident({ openedAt: '2026-01-01T02:00:00.000Z' }));
      expect((await store.findActiveIncidentByKey(key))?.id).to.equal(newer.id);
      await store.updateIncident(newer.id, { status: 'closed', closedAt: '2026-01-01T02:00:00.000Z' });
      expect((await store.findActiveIncidentByKey(key))?.id).to.equal(older.id);
      await store.updateIncident(older.id, { status: 'resolved', resolvedAt: '2026-01-01T02:00:00.000Z' });
      expect((await store.findActiveIncidentByKey(key))?.id).to.equal(older.id);
      await store.updateIncident(older.id, { status: 'closed', closedAt: '2026-01-01T03:00:00.000Z' });
      expect(await store.findActiveIncidentByKey(key)).to.equal(null);
    });
  });

  describe('incident listing', () => {
    it('lists newest opened first, filtered by status and time range, page by page', async () => {
      const store = await ctx.open();
      const window = timeWindow();
      const made: Incident[] = [];
      for (let i = 0; i < 7; i++) {
        const status: IncidentStatus = i % 3 === 0 ? 'closed' : 'open';
        made.push(await store.createIncident(newIncident({ status, openedAt: window.at(i * 10) })));
      }
      await store.createIncident(newIncident({ openedAt: window.until }));
      const newestFirst = [...made].reverse().map((i) => i.id);
      const first = await store.listIncidents({ since: window.since, until: window.until, limit: 3 });
      expect(first.items.map((i) => i.id)).to.deep.equal(newestFirst.slice(0, 3));
      expect(first.items[0]).to.deep.equal(made[6]);
      expect(first.nextCursor).to.be.a('string');
      expect(await allPages(store, window, 3)).to.deep.equal(newestFirst);
      expect(await allPages(store, window, 500)).to.deep.equal(newestFirst);
      const open = made.filter((i) => i.status === 'open').reverse().map((i) => i.id);
      expect(await allPages(store, { ...window, status: ['open'] }, 2)).to.deep.equal(open);
      expect(await allPages(store, { ...window, status: ['open', 'closed'] }, 2)).to.deep.equal(newestFirst);
      const middle = await allPages(store, { since: window.at(20), until: window.at(40) }, 10);
      expect(middle).to.deep.equal([made[3]?.id, made[2]?.id]);
    });

    it('keeps pages stable while incidents are inserted, ties on openedAt included', async () => {
      const store = await ctx.open();
      const window = timeWindow();
      const original: string[] = [];
      for (let i = 0; i < 6; i++) {
        // Pairs share an openedAt, so page boundaries fall inside ties.
        original.push((await store.createIncident(newIncident({ openedAt: window.at(Math.floor(i / 2)) }))).id);
      }
      const seen: string[] = [];
      let page = await store.listIncidents({ since: window.since, until: window.until, limit: 1 });
      for (let round = 0; round < 20; round++) {
        seen.push(...page.items.map((i) => i.id));
        // Newer incidents and one tied with everything already listed arrive between pages.
        await store.createIncident(newIncident({ openedAt: window.at(100 + round) }));
        if (round === 1) await store.createIncident(newIncident({ openedAt: window.at(2) }));
        if (page.nextCursor === null) break;
        page = await store.listIncidents({ since: window.since, until: window.until, limit: 1, cursor: page.nextCursor });
      }
      expect(new Set(seen).size).to.equal(seen.length);
      for (const id of original) expect(seen).to.include(id);
    });

    it('filters by cluster and severity in the store, page by page, with or without the counts', async () => {
      const store = await ctx.open();
      const window = timeWindow();
      const cluster = unique('cluster');
      const other = unique('cluster');
      const made: Incident[] = [];
      for (let i = 0; i < 12; i++) {
        made.push(
          await store.createIncident(
            newIncident({ cluster: i % 3 === 2 ? other : i % 4 === 3 ? null : cluster, severity: i % 2 === 0 ? 'critical' : 'warning', status: i % 5 === 0 ? 'closed' : 'open', openedAt: window.at(i) }),
          ),
        );
      }
      const expected = (keep: (i: Incident) => boolean) => made.filter(keep).reverse().map((i) => i.id);
      for (const list of ['listIncidents', 'incidentSummaries'] as const) {
        expect(await allPages(store, { ...window, cluster: [cluster] }, 2, list)).to.deep.equal(expected((i) => i.cluster === cluster));
        expect(await allPages(store, { ...window, cluster: [cluster, other] }, 3, list)).to.deep.equal(expected((i) => i.cluster !== null));
        expect(await allPages(store, { ...window, severity: ['warning'] }, 2, list)).to.deep.equal(expected((i) => i.severity === 'warning'));
        expect(await allPages(store, { ...window, cluster: [cluster], severity: ['critical'], status: ['open'] }, 1, list)).to.deep.equal(
          expected((i) => i.cluster === cluster && i.severity === 'critical' && i.status === 'open'),
        );
        expect(await allPages(store, { ...window, cluster: [unique('nowhere')] }, 5, list)).to.deep.equal([]);
      }
      // Older than the newest 200 of the window still found by a filter: nothing is filtered after the page.
      const page = await store.incidentSummaries({ ...window, cluster: [other], limit: 1 });
      expect(page.items.map((i) => i.id)).to.deep.equal(expected((i) => i.cluster === other).slice(0, 1));
      expect(page.nextCursor).to.be.a('string');
    });

    it('counts approvals waiting and changes in place per listed incident, as the engine sees them', async () => {
      const store = await ctx.open();
      const window = timeWindow();
      const quiet = await store.createIncident(newIncident({ openedAt: window.at(1) }));
      const busy = await store.createIncident(newIncident({ openedAt: window.at(2) }));
      const run = await store.createRun({ incidentId: busy.id, runbook: unique('runbook'), groupKey: busy.key, trigger: 'firing', alert: { fingerprint: unique('fp'), status: 'firing', labels: {}, annotations: {}, startsAt: '2026-01-01T00:00:00.000Z', endsAt: null, generatorURL: '' }, episode: unique('episode'), notificationId: 1, requestedAt: '2026-01-01T00:00:05.000Z' });
      const finished = { finishedAt: '2026-01-01T00:00:08.000Z', output: null, prior: 1, applied: 2, error: null };
      // In place: succeeded, interrupted, a failed revert, a revert under way, revert: never. Not: reverted, conflict, failed step, read-only.
      for (const [stepId, status, revertStatus, mutating] of [
        ['a', 'succeeded', null, true],
        ['b', 'interrupted', null, true],
        ['c', 'succeeded', 'failed', true],
        ['d', 'succeeded', 'reverting', true],
        ['e', 'succeeded', 'reverted', true],
        ['f', 'succeeded', 'conflict', true],
        ['g', 'failed', null, true],
        ['h', 'succeeded', null, false],
      ] as const) {
        const claim = (await store.claimStep(claimOf(run, { stepId, mutating, revert: stepId === 'a' ? 'never' : 'on-resolve' })))!;
        await store.finishStep(claim.id, { ...finished, status });
        if (revertStatus !== null) await store.setRevertStatus(claim.id, [null], { status: revertStatus, at: '2026-01-01T00:01:00.000Z', by: 'engine', detail: null });
      }
      const approval = { incidentId: busy.id, runId: run.id, runbook: run.runbook, action: 'kafka.setClientQuota', params: {}, plan: null, requestedAt: '2026-01-01T00:00:06.000Z', expiresAt: '2026-01-01T01:00:06.000Z' };
      await store.requestApproval({ ...approval, stepId: 'x' });
      await store.requestApproval({ ...approval, stepId: 'y' });
      const decided = await store.requestApproval({ ...approval, stepId: 'z' });
      await store.decideApproval(decided.id, { state: 'rejected', decidedAt: '2026-01-01T00:00:07.000Z', decidedBy: 'alice', reason: null });

      const inForce = (await store.stepClaims({ incidentId: busy.id })).filter(inPlace).length;
      expect(inForce).to.equal(4);
      const { items } = await store.incidentSummaries({ ...window, limit: 10 });
      expect(items).to.deep.equal([
        { ...(await store.getIncident(busy.id)), pendingApprovals: 2, containmentsInForce: inForce },
        { ...quiet, pendingApprovals: 0, containmentsInForce: 0 },
      ]);
    });

    it('rejects limits outside 1..500, unknown statuses, bad times and foreign cursors', async () => {
      const store = await ctx.open();
      for (const limit of [0, 501, 2.5]) {
        await rejection(store.listIncidents({ limit }), 'STORE_INVALID_QUERY');
      }
      await rejection(store.listIncidents({ limit: 10, status: ['burning' as IncidentStatus] }), 'STORE_INVALID_QUERY');
      await rejection(store.listIncidents({ limit: 10, status: [] }), 'STORE_INVALID_QUERY');
      await rejection(store.incidentSummaries({ limit: 10, cluster: [] }), 'STORE_INVALID_QUERY');
      await rejection(store.incidentSummaries({ limit: 10, severity: [''] }), 'STORE_INVALID_QUERY');
      await rejection(store.listIncidents({ limit: 10, cluster: ['x'.repeat(201)] }), 'STORE_INVALID_QUERY');
      await rejection(store.incidentSummaries({ limit: 0 }), 'STORE_INVALID_QUERY');
      await rejection(store.listIncidents({ limit: 10, since: 'last tuesday' }), 'STORE_INVALID_QUERY');
      const err = await rejection(store.listIncidents({ limit: 10, cursor: 'bm90LWEtY3Vyc29y' }), 'STORE_INVALID_QUERY');
      expect(err.statusCode).to.equal(400);
      expect((await store.listIncidents({ limit: 500 })).items.length).to.be.at.most(500);
    });

    it('counts incidents by status, every status present', async () => {
      const store = await ctx.open();
      const before = await store.countIncidentsByStatus();
      expect(Object.keys(before).sort()).to.deep.equal(['closed', 'contained', 'open', 'recovered', 'resolved']);
      await store.createIncident(newIncident({ status: 'open' }));
      await store.createIncident(newIncident({ status: 'open' }));
      const recovered = await store.createIncident(newIncident({ status: 'open' }));
      await store.updateIncident(recovered.id, { status: 'recovered' });
      const after = await store.countIncidentsByStatus();
      expect(after).to.deep.equal({ ...before, open: before.open + 2, recovered: before.recovered + 1 });
    });
  });
}
