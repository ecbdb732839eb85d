/**
 * Reverting by hand (`POST /api/v1/incidents/:id/revert`, `firebreak revert`): every change of
 * the incident still in place whose step says `revert: on-resolve` or `manual`, newest first, or
 * only those of one step. `revert: never` is refused when named and left out otherwise. Works in
 * any mode and while paused: a person asked for it. Idempotent: what is already reverted is
 * reported as such and not touched again.
 *
 * A person's revert takes over from a release under way (its timer is cancelled); one that
 * fails with an error that may go away is tried again by the engine with backoff until it works
 * (docs/engine.md "Releases"). Resolved runs parked on the releases go on once none is left.
 *
 * When no reversible change of the incident remains in place and it is still `contained`, it
 * goes back to `open` (its alerts still fire).
 */
import { incidentNotFound } from '../incidents/errors.ts';
import { notReversible, stepNotFound } from './errors.ts';
import { inPlace } from '../model/engine.ts';
import { toIso } from '../incidents/normalize.ts';
import { releaseStateOf } from './levels.ts';
import { retryDelayMs } from './timers.ts';
import { resumeParkedRuns, scheduleRevertRetry } from './release.ts';
import { reopenIfUncontained } from './reopen.ts';
import { revertClaim, type RevertResult } from './revert.ts';
import { record, type Runtime } from './runtime.ts';

export interface RevertReport {
  incidentId: string;
  /** One entry per change considered, newest first. */
  results: RevertResult[];
  /** One sentence: what was done, or that there was nothing to do. */
  message: string;
}

export async function revertIncident(rt: Runtime, input: { incidentId: string; stepId?: string; actor: string }): Promise<RevertReport> {
  const { incidentId, stepId, actor } = input;
  if ((await rt.store.getIncident(incidentId)) === null) throw incidentNotFound(incidentId);
  const claims = await rt.store.stepClaims({ incidentId });
  if (stepId !== undefined) {
    const ofStep = claims.filter((c) => c.stepId === stepId);
    if (ofStep.length === 0) throw stepNotFound(incidentId, stepId);
    if (ofStep.every((c) => !c.mutating)) throw notReversible(incidentId, stepId, 'it is read-only and changed nothing');
    if (ofStep.every((c) => c.revert === 'never')) throw notReversible(incidentId, stepId, 'its runbook says revert: never');
  }
  const candidates = claims
    .filter((c) => c.mutating && (c.status === 'succeeded' || c.status === 'interrupted') && c.revert !== 'never')
    .filter((c) => stepId === undefined || c.stepId === stepId)
    .reverse();
  const results: RevertResult[] = [];
  for (const claim of candidates) {
    if (!inPlace(claim) || claim.revertStatus === 'reverting') {
      const by = claim.revertedBy === null ? '' : ` by ${claim.revertedBy}`;
      const state = claim.revertStatus === 'reverting' ? 'being reverted right now' : `already ${claim.revertStatus === 'conflict' ? 'handled (conflict)' : 'reverted'}${claim.revertedAt === null ? '' : ` at ${claim.revertedAt}`}${by}`;
      results.push({ stepId: claim.stepId, claimId: claim.id, action: claim.action, status: 'already-reverted', message: `step ${claim.stepId} was ${state}; nothing done`, detail: claim.revertDetail });
      continue;
    }
    const outcome = await revertClaim(rt, claim, actor, 'manual', { retryAt: (e) => (e.retriable ? toIso(rt.clock.now() + retryDelayMs(rt, 1)) : null) });
    results.push(outcome);
    await record(rt, async (r) => {
      if (outcome.status === 'failed') {
        if (outcome.retriable === true) await scheduleRevertRetry(r, rt, claim, 'manual');
        return;
      }
      for (const timer of await r.tx.cancelTimers({ claimId: claim.id, kind: ['release'] }, r.now)) {
        if (timer.status !== 'cancelled') continue;
        await r.append({
          incidentId,
          phase: 'recovery',
          actor,
          kind: 'release.cancelled',
          summary: `Release of step ${claim.stepId} ended: ${actor} reverted it by hand`,
          data: { stepId: claim.stepId, claimId: claim.id, action: claim.action, level: releaseStateOf(claim).current.index, reason: 'reverted by hand' },
        });
        break;
      }
    });
  }
  if (await record(rt, (r) => resumeParkedRuns(r, incidentId))) rt.logger.info({ incidentId }, 'releases done by hand; the resolved run goes on');
  await reopenIfUncontained(rt, incidentId, actor);
  const done = results.filter((r) => r.status === 'reverted').length;
  const message =
    results.length === 0
      ? 'nothing to revert: no reversible change was made in this incident'
      : results.every((r) => r.status === 'already-reverted')
        ? 'nothing to revert: every change is already reverted'
        : `${done} of ${results.length} change${results.length === 1 ? '' : 's'} reverted`;
  rt.logger.info({ incidentId, stepId, actor, results: results.map((r) => `${r.stepId}:${r.status}`) }, 'manual revert');
  return { incidentId, results, message };
}
