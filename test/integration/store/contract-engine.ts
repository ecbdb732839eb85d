/**
 * Contract: the engine's records. Runs (the outbox), step claims (at most once per incident,
 * runbook, step, trigger and episode), the compare-and-set revert status, approvals, the
 * automation switch, follow-up markers and the gauges' counts.
 */
import { expect } from 'chai';
import type { Store } from '../../../src/store/types.ts';
import type { NewClaim, NewRun, ReleaseSpec, ReleaseState } from '../../../src/model/engine.ts';
import { alert, newIncident, rejection, unique, type ContractContext } from './contract-fixtures.ts';

export async function incidentWithRun(store: Store, overrides: Partial<NewRun> = {}) {
  const incident = await store.createIncident(newIncident());
  const run = await store.createRun({
    incidentId: incident.id,
    runbook: unique('runbook'),
    groupKey: incident.key,
    trigger: 'firing',
    alert: alert(),
    episode: unique('fp@2026-01-01T00:00:00.000Z'),
    notificationId: 7,
    requestedAt: '2026-01-01T00:00:05.000Z',
    ...overrides,
  });
  return { incident, run };
}

export const GRADUAL: ReleaseSpec = {
  mode: 'gradual',
  condition: { query: 'sum(kafka_consumergroup_lag{consumergroup="billing"})', expect: '< 1000', onEmpty: 'fail' },
  forMs: 300_000,
  intervalMs: 30_000,
  factor: 2,
  steps: 4,
  maxDurationMs: 7_200_000,
  onMaxDuration: 'escalate',
};

export function claimOf(run: { id: number; incidentId: string; runbook: string; groupKey: string; episode: string }, overrides: Partial<NewClaim> = {}): NewClaim {
  return {
    incidentId: run.incidentId,
    runbook: run.runbook,
    groupKey: run.groupKey,
    stepId: 'throttle',
    trigger: 'firing',
    episode: run.episode,
    runId: run.id,
    action: 'kafka.setClientQuota',
    mutating: true,
    revert: 'on-resolve',
    release: GRADUAL,
    params: { entity: { 'client-id': 'loadgen' }, producerByteRate: 1048576 },
    plan: { summary: 'set quota', changes: [{ resource: 'quota:client-id=loadgen', key: 'producer_byte_rate', from: null, to: 1048576 }] },
    claimedAt: '2026-01-01T00:00:06.000Z',
    ...overrides,
  };
}

export function engineContract(ctx: ContractContext): void {
  describe('engine runs', () => {
    it('records a pending run request and reads it back exactly', async () => {
      const store = await ctx.open();
      const { incident, run } = await incidentWithRun(store);
      expect(run).to.include({ incidentId: incident.id, trigger: 'firing', status: 'pending', startedAt: null, finishedAt: null, acted: false, detail: null, owner: null, leaseUntil: null, fence: 0 });
      expect(run.steps).to.deep.equal({});
      expect(await store.getRun(run.id)).to.deep.equal(run);
      expect(await store.getRun(run.id + 100_000)).to.equal(null);
    });

    it('refuses a run for an unknown incident with NOT_FOUND', async () => {
      const store = await ctx.open();
      await rejection(
        store.createRun({ incidentId: 'INC-0000000000000000', runbook: 'r', groupKey: 'k', trigger: 'firing', alert: alert(), episode: 'e', notificationId: 1, requestedAt: '2026-01-01T00:00:00.000Z' }),
        'NOT_FOUND',
      );
    });

    it('patches only the given fields and filters runs by incident, runbook, key, trigger and status', async () => {
      const store = await ctx.open();
      const { incident, run } = await incidentWithRun(store);
      const second = await store.createRun({ ...run, trigger: 'resolved', requestedAt: '2026-01-01T00:01:00.000Z' });
      const updated = await store.updateRun(run.id, {
        status: 'succeeded',
        startedAt: '2026-01-01T00:00:06.000Z',
        finishedAt: '2026-01-01T00:00:09.000Z',
        steps: { lag: { status: 'succeeded', output: { totalLag: 12 } } },
        acted: true,
      });
      expect(updated).to.include({ status: 'succeeded', acted: true, detail: null, requestedAt: run.requestedAt });
      expect(updated.steps).to.deep.equal({ lag: { status: 'succeeded', output: { totalLag: 12 } } });
      expect((await store.runs({ incidentId: incident.id })).map((r) => r.id)).to.deep.equal([run.id, second.id]);
      expect((await store.runs({ runbook: run.runbook, groupKey: run.groupKey, trigger: 'resolved' })).map((r) => r.id)).to.deep.equal([second.id]);
      expect((await store.runs({ incidentId: incident.id, status: ['pending', 'running'] })).map((r) => r.id)).to.deep.equal([second.id]);
      expect(await store.runs({ incidentId: incident.id, status: [] })).to.deep.equal([]);
      await rejection(store.updateRun(second.id + 100_000, { status: 'failed' }), 'NOT_FOUND');
      await rejection(store.updateRun(run.id, { status: 'exploded' as never }), 'STORE_INVALID_VALUE');
    });

    it('records which engine holds a run until when, with its fence, and renews only that engine\'s running runs', async () => {
      const store = await ctx.open();
      const { run } = await incidentWithRun(store);
      const other = await store.createRun({ ...run, requestedAt: '2026-01-01T00:00:06.000Z' });
      const finished = await store.createRun({ ...run, requestedAt: '2026-01-01T00:00:07.000Z' });
      const owner = unique('engine');
      const taken = await store.updateRun(run.id, { status: 'running', owner, leaseUntil: '2026-01-01T00:00:35.000Z', fence: run.fence + 1 });
      expect(taken).to.include({ owner, leaseUntil: '2026-01-01T00:00:35.000Z', fence: 1 });
      await store.updateRun(other.id, { status: 'running', owner: unique('engine'), leaseUntil: '2026-01-01T00:00:35.000Z', fence: 1 });
      await store.updateRun(finished.id, { status: 'succeeded', owner, leaseUntil: '2026-01-01T00:00:35.000Z', fence: 1 });
      expect(await store.renewRunLeases(owner, '2026-01-01T00:01:05.000Z')).to.deep.equal([run.id]);
      expect((await store.getRun(run.id))?.leaseUntil).to.equal('2026-01-01T00:01:05.000Z');
      expect((await store.getRun(other.id))?.leaseUntil).to.equal('2026-01-01T00:00:35.000Z');
      expect((await store.getRun(finished.id))?.leaseUntil).to.equal('2026-01-01T00:00:35.000Z');
      expect(await store.renewRunLeases(unique('engine'), '2026-01-01T00:01:05.000Z')).to.deep.equal([]);
      await rejection(store.renewRunLeases(owner, 'soon'), 'STORE_INVALID_VALUE');
    });

    it('keeps nothing of a run requested in a transaction that rolls back (the outbox is atomic)', async () => {
      const store = await ctx.open();
      const incident = await store.createIncident(newIncident());
      const runbook = unique('runbook');
      try {
        await store.transaction(async (tx) => {
          await tx.createRun({ incidentId: incident.id, runbook, groupKey: incident.key, trigger: 'firing', alert: alert(), episode: 'e', notificationId: 1, requestedAt: '2026-01-01T00:00:00.000Z' });
          throw new Error('processing failed');
        });
      } catch {
        // expected
      }
      expect(await store.runs({ runbook })).to.deep.equal([]);
    });
  });

  describe('step claims', () => {
    it('claims a step once per incident, runbook, step, trigger and episode', async () => {
      const store = await ctx.open();
      const { run } = await incidentWithRun(store);
      const claim = await store.claimStep(claimOf(run));
      expect(claim).to.include({ runId: run.id, groupKey: run.groupKey, stepId: 'throttle', status: 'running', mutating: true, revert: 'on-resolve', revertStatus: null, finishedAt: null, releaseState: null });
      expect(claim!.params).to.deep.equal(claimOf(run).params);
      expect(claim!.release).to.deep.equal(GRADUAL);
      // Another run (a replay, another replica) asking for the same step and episode gets nothing.
      const other = await store.createRun({ ...run, requestedAt: '2026-01-01T00:00:07.000Z' });
      expect(await store.claimStep(claimOf(other))).to.equal(null);
      expect(await store.claimStep(claimOf(other, { trigger: 'resolved' }))).to.not.equal(null);
      expect(await store.claimStep(claimOf(other, { episode: `${run.episode}-next` }))).to.not.equal(null);
      expect((await store.stepClaims({ incidentId: run.incidentId })).map((c) => c.runId)).to.deep.equal([run.id, other.id, other.id]);
      expect((await store.stepClaims({ runId: run.id })).map((c) => c.id)).to.deep.equal([claim!.id]);
    });

    it('records how a step ended, with what a revert needs', async () => {
      const store = await ctx.open();
      const { run } = await incidentWithRun(store);
      const claim = (await store.claimStep(claimOf(run)))!;
      const prior = { entity: { 'client-id': 'loadgen' }, values: { producer_byte_rate: null } };
      const applied = { entity: { 'client-id': 'loadgen' }, values: { producer_byte_rate: 1048576 } };
      const done = await store.finishStep(claim.id, { status: 'succeeded', finishedAt: '2026-01-01T00:00:08.000Z', output: { set: 1 }, prior, applied, error: null });
      expect(done).to.include({ status: 'succeeded', finishedAt: '2026-01-01T00:00:08.000Z', error: null });
      expect([done.prior, done.applied, done.output]).to.deep.equal([prior, applied, { set: 1 }]);
      expect((await store.stepClaims({ incidentId: run.incidentId, status: ['running'] }))).to.deep.equal([]);
      await rejection(store.finishStep(claim.id + 100_000, { status: 'failed', finishedAt: null, output: null, prior: null, applied: null, error: 'X: y' }), 'NOT_FOUND');
    });

    it('starts a revert once: the revert status is a compare-and-set', async () => {
      const store = await ctx.open();
      const { run } = await incidentWithRun(store);
      const claim = (await store.claimStep(claimOf(run)))!;
      const start = { status: 'reverting' as const, at: '2026-01-01T00:01:00.000Z', by: 'engine', detail: null };
      const first = await store.setRevertStatus(claim.id, [null, 'failed'], start);
      expect(first?.revertStatus).to.equal('reverting');
      expect(await store.setRevertStatus(claim.id, [null, 'failed'], { ...start, by: 'alice' })).to.equal(null);
      const done = await store.setRevertStatus(claim.id, ['reverting'], { status: 'reverted', at: '2026-01-01T00:01:02.000Z', by: 'engine', detail: { changes: 1 } });
      expect(done).to.include({ revertStatus: 'reverted', revertedAt: '2026-01-01T00:01:02.000Z', revertedBy: 'engine' });
      expect(done!.revertDetail).to.deep.equal({ changes: 1 });
      await rejection(store.setRevertStatus(claim.id + 100_000, [null], start), 'NOT_FOUND');
    });

    it('takes the revert status back to "never reverted" (a release level changed, the change stays in force)', async () => {
      const store = await ctx.open();
      const { run } = await incidentWithRun(store);
      const claim = (await store.claimStep(claimOf(run)))!;
      await store.setRevertStatus(claim.id, [null], { status: 'reverting', at: '2026-01-01T00:01:00.000Z', by: 'engine', detail: { level: 1 } });
      const back = await store.setRevertStatus(claim.id, ['reverting'], { status: null, at: '2026-01-01T00:01:01.000Z', by: 'engine', detail: null });
      expect(back).to.include({ revertStatus: null });
      expect(await store.setRevertStatus(claim.id, [null], { status: 'reverting', at: '2026-01-01T00:02:00.000Z', by: 'alice', detail: null })).to.not.equal(null);
    });

    it('keeps a release state on the claim and finds claims by id and by incident group', async () => {
      const store = await ctx.open();
      const { run } = await incidentWithRun(store);
      const claim = (await store.claimStep(claimOf(run, { release: null, releaseState: { current: { level: null, index: 0 }, pending: null, held: null, tooEarly: 1, hold: null } })))!;
      expect(claim.release).to.equal(null);
      expect(claim.releaseState).to.deep.include({ tooEarly: 1 });
      const state: ReleaseState = {
        current: { level: { entity: { 'client-id': 'loadgen' }, values: { producer_byte_rate: 2097152 } }, index: 1 },
        pending: { level: { entity: { 'client-id': 'loadgen' }, values: { producer_byte_rate: 4194304 } }, index: 2 },
        held: { level: null, index: 0 },
        tooEarly: 1,
        hold: 'loop-breaker',
      };
      expect((await store.setReleaseState(claim.id, state)).releaseState).to.deep.equal(state);
      expect((await store.stepClaims({ id: claim.id }))[0]!.releaseState).to.deep.equal(state);
      expect((await store.setReleaseState(claim.id, null)).releaseState).to.equal(null);
      const other = await store.createRun({ ...run, incidentId: (await store.createIncident(newIncident({ key: run.groupKey }))).id, requestedAt: '2026-01-01T00:09:00.000Z' });
      const second = (await store.claimStep(claimOf(other)))!;
      expect((await store.stepClaims({ runbook: run.runbook, groupKey: run.groupKey })).map((c) => c.id)).to.deep.equal([claim.id, second.id]);
      await rejection(store.setReleaseState(claim.id + 100_000, null), 'NOT_FOUND');
    });
  });

  describe('approvals', () => {
    it('records one pending approval per run and step, and decides it once', async () => {
      const store = await ctx.open();
      const { incident, run } = await incidentWithRun(store);
      const request = {
        incidentId: incident.id,
        runId: run.id,
        runbook: run.runbook,
        stepId: 'throttle',
        action: 'kafka.setClientQuota',
        params: { producerByteRate: 1048576 },
        plan: { summary: 'set quota' },
        requestedAt: '2026-01-01T00:00:06.000Z',
        expiresAt: '2026-01-01T00:30:06.000Z',
      };
      const approval = await store.requestApproval(request);
      expect(approval).to.include({ state: 'pending', decidedAt: null, decidedBy: null, reason: null, expiresAt: request.expiresAt });
      expect((await store.requestApproval({ ...request, requestedAt: '2026-01-01T00:05:00.000Z' })).id).to.equal(approval.id);
      expect((await store.approvals({ incidentId: incident.id, state: ['pending'] })).map((a) => a.id)).to.deep.equal([approval.id]);
      expect((await store.approvals({ incidentId: incident.id, expiresBy: '2026-01-01T00:30:05.000Z' }))).to.deep.equal([]);
      expect((await store.approvals({ incidentId: incident.id, expiresBy: '2026-01-01T00:30:06.000Z' })).map((a) => a.id)).to.deep.equal([approval.id]);
      const granted = await store.decideApproval(approval.id, { state: 'granted', decidedAt: '2026-01-01T00:02:00.000Z', decidedBy: 'alice', reason: 'go' });
      expect(granted).to.include({ state: 'granted', decidedBy: 'alice', reason: 'go' });
      expect(await store.decideApproval(approval.id, { state: 'rejected', decidedAt: '2026-01-01T00:03:00.000Z', decidedBy: 'bob', reason: null })).to.equal(null);
      expect((await store.approvals({ runId: run.id, stepId: 'throttle' }))[0]).to.include({ state: 'granted', decidedBy: 'alice' });
      await rejection(store.decideApproval(approval.id + 100_000, { state: 'expired', decidedAt: '2026-01-01T00:03:00.000Z', decidedBy: 'engine', reason: null }), 'NOT_FOUND');
    });
  });

  describe('automation switch and follow-ups', () => {
    it('keeps the pause flag across a reopen, with who changed it and when', async () => {
      const store = await ctx.open();
      const before = await store.automation();
      expect(before.paused).to.be.a('boolean');
      const paused = await store.setAutomation({ paused: true, changedBy: 'alice', changedAt: '2026-01-01T00:00:00.000Z', reason: 'broker 2 is being replaced' });
      expect(paused).to.deep.include({ paused: true, changedBy: 'alice', changedAt: '2026-01-01T00:00:00.000Z', reason: 'broker 2 is being replaced' });
      await store.close();
      const reopened = await ctx.open();
      expect((await reopened.automation()).paused).to.equal(true);
      await reopened.setAutomation({ paused: false, changedBy: 'bob', changedAt: '2026-01-01T00:10:00.000Z', reason: null });
      expect(await reopened.automation()).to.deep.include({ paused: false, changedBy: 'bob', changedAt: '2026-01-01T00:10:00.000Z', reason: null });
    });

    it('shares the mode through the store: kept across a reopen, seen by another store on the same data, and apart from the pause switch', async () => {
      const store = await ctx.open();
      const other = await ctx.open();
      const configured = { mode: 'dry-run', changedBy: 'configuration', changedAt: '2026-01-01T00:00:00.000Z', reason: 'configured', configured: 'dry-run' } as const;
      expect((await store.setMode(configured)).modeSetting).to.deep.equal(configured);
      await store.setAutomation({ paused: true, changedBy: 'alice', changedAt: '2026-01-01T00:01:00.000Z', reason: 'maintenance' });
      const enforce = { mode: 'enforce', changedBy: 'root', changedAt: '2026-01-01T00:02:00.000Z', reason: 'rehearsed in dry-run for a week', configured: 'dry-run' } as const;
      const after = await other.setMode(enforce);
      expect(after).to.deep.include({ paused: true, changedBy: 'alice', reason: 'maintenance' });
      expect((await store.automation()).modeSetting, 'the other store sees it at once').to.deep.equal(enforce);
      await other.setAutomation({ paused: false, changedBy: 'bob', changedAt: '2026-01-01T00:03:00.000Z', reason: null });
      await other.close();
      await store.close();
      const reopened = await ctx.open();
      expect(await reopened.automation()).to.deep.equal({ paused: false, changedBy: 'bob', changedAt: '2026-01-01T00:03:00.000Z', reason: null, modeSetting: enforce });
    });

    it('marks follow-ups as added once per incident and runbook', async () => {
      const store = await ctx.open();
      const incident = await store.createIncident(newIncident());
      expect(await store.markFollowUpsAdded(incident.id, 'lag')).to.equal(true);
      expect(await store.markFollowUpsAdded(incident.id, 'lag')).to.equal(false);
      expect(await store.markFollowUpsAdded(incident.id, 'disk')).to.equal(true);
    });

    it('counts pending approvals and reversible changes still in place', async () => {
      const store = await ctx.open();
      const before = await store.engineCounts();
      const { incident, run } = await incidentWithRun(store);
      const change = (await store.claimStep(claimOf(run)))!;
      await store.finishStep(change.id, { status: 'succeeded', finishedAt: '2026-01-01T00:00:08.000Z', output: null, prior: 1, applied: 2, error: null });
      const forever = (await store.claimStep(claimOf(run, { stepId: 'forever', revert: 'never' })))!;
      await store.finishStep(forever.id, { status: 'succeeded', finishedAt: '2026-01-01T00:00:08.000Z', output: null, prior: 1, applied: 2, error: null });
      await store.requestApproval({ incidentId: incident.id, runId: run.id, runbook: run.runbook, stepId: 'x', action: 'a', params: {}, plan: null, requestedAt: '2026-01-01T00:00:06.000Z', expiresAt: '2026-01-01T01:00:06.000Z' });
      expect(await store.engineCounts()).to.deep.equal({ ...before, pendingApprovals: before.pendingApprovals + 1, activeContainments: before.activeContainments + 1 });
      await store.scheduleTimer({ kind: 'release', key: unique('release'), incidentId: incident.id, claimId: change.id, dueAt: '2026-01-01T00:03:00.000Z', state: null, createdAt: '2026-01-01T00:02:00.000Z' });
      await store.setRevertStatus(change.id, [null], { status: 'failed', at: '2026-01-01T00:02:00.000Z', by: 'engine', detail: { code: 'KAFKA_UNREACHABLE' } });
      expect(await store.engineCounts()).to.deep.include({ revertsPending: before.revertsPending + 1, releasesPending: before.releasesPending + 1 });
      await store.setRevertStatus(change.id, ['failed'], { status: 'reverted', at: '2026-01-01T00:02:00.000Z', by: 'engine', detail: null });
      await store.cancelTimers({ claimId: change.id }, '2026-01-01T00:02:00.000Z');
      expect(await store.engineCounts()).to.deep.include({ activeContainments: before.activeContainments, revertsPending: before.revertsPending, releasesPending: before.releasesPending });
    });
  });
}
