/**
 * Approving or rejecting a step that waits for one (API and CLI). The decision, who made it and
 * when go on the timeline (`approval.granted` / `approval.rejected`) in the same transaction that
 * requeues the parked run; the run then asks the guards again: a granted step still stops at a
 * pause or a floor, a rejected one is blocked (`approval-rejected`). An approval whose time is up
 * is expired on the spot (`approval.expired`) and the decision refused with ENGINE_APPROVAL_EXPIRED.
 */
import { incidentNotFound } from '../incidents/errors.ts';
import type { Approval } from '../model/engine.ts';
import { approvalExpired, approvalNotFound, approvalNotPending } from './errors.ts';
import { record, type Recorder, type Runtime } from './runtime.ts';

export type ApprovalVerdict = 'granted' | 'rejected';

export async function decideApproval(
  rt: Runtime,
  input: { incidentId: string; stepId: string; verdict: ApprovalVerdict; actor: string; reason: string | null },
): Promise<Approval> {
  const { incidentId, stepId, verdict, actor, reason } = input;
  const outcome = await record(rt, async (r): Promise<{ approval: Approval } | { expired: Approval }> => {
    if ((await r.tx.getIncident(incidentId)) === null) throw incidentNotFound(incidentId);
    const all = await r.tx.approvals({ incidentId, stepId });
    const latest = all.at(-1);
    if (latest === undefined) throw approvalNotFound(incidentId, stepId);
    if (latest.state !== 'pending') throw approvalNotPending(incidentId, stepId, latest.state);
    if (Date.parse(r.now) >= Date.parse(latest.expiresAt)) {
      const expired = await r.tx.decideApproval(latest.id, { state: 'expired', decidedAt: r.now, decidedBy: 'engine', reason: 'no decision before it expired' });
      if (expired === null) throw approvalNotPending(incidentId, stepId, 'decided');
      await r.append({
        incidentId,
        phase: 'containment',
        kind: 'approval.expired',
        summary: `Approval of step ${stepId} expired at ${latest.expiresAt}; ${actor}'s decision came too late and the step does not run`,
        data: { approvalId: latest.id, stepId, runId: latest.runId, action: latest.action, expiresAt: latest.expiresAt, lateDecisionBy: actor },
      });
      await requeue(r, latest.runId);
      return { expired };
    }
    const decided = await r.tx.decideApproval(latest.id, { state: verdict, decidedAt: r.now, decidedBy: actor, reason });
    if (decided === null) throw approvalNotPending(incidentId, stepId, 'decided');
    await r.append({
      incidentId,
      phase: 'containment',
      actor,
      kind: verdict === 'granted' ? 'approval.granted' : 'approval.rejected',
      summary: `${actor} ${verdict === 'granted' ? 'approved' : 'rejected'} step ${stepId}${reason === null || reason === '' ? '' : `: ${reason}`}`,
      data: { approvalId: latest.id, stepId, runId: latest.runId, action: latest.action, params: latest.params, decidedBy: actor, decidedAt: r.now, reason },
    });
    await requeue(r, latest.runId);
    return { approval: decided };
  });
  rt.logger.info({ incidentId, stepId, verdict, actor }, 'approval decided');
  if ('expired' in outcome) throw approvalExpired(incidentId, stepId, outcome.expired.expiresAt);
  return outcome.approval;
}

async function requeue(r: Recorder, runId: number): Promise<void> {
  const run = await r.tx.getRun(runId);
  if (run?.status === 'waiting-approval') await r.tx.updateRun(run.id, { status: 'pending', detail: null });
}
