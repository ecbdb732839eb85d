/**
 * One run, from pending to finished (docs/engine.md):
 * - `firing`: the `on: firing` steps in order;
 * - `resolved`: first runs of this incident parked on an approval are aborted (the alert they
 *   answered is gone), then the executed `revert: on-resolve` changes are reverted newest first,
 *   then the `on: resolved` steps run in order.
 * A step failing with `onFailure: abort` ends the run; a step waiting for an approval parks it
 * (`waiting-approval`) until the approval is decided or expires.
 *
 * The run's outcome: `failed` when a step failed, `blocked` when it changed and planned nothing
 * because a guard blocked a step, else `succeeded`. After a `resolved` run whose reverts all
 * worked and whose steps all succeeded (or were skipped), a resolved incident becomes
 * `recovered`. The runbook's follow-ups become action items after the incident's first run.
 */
import { FirebreakError, toFirebreakError } from '../errors.ts';
import { transitionIncident } from '../incidents/lifecycle.ts';
import type { Incident } from '../incidents/model.ts';
import type { Runbook } from '../runbooks/types.ts';
import type { EngineRun, RunStatus } from '../store/engine-types.ts';
import { templateContext } from './context.ts';
import { runbookNotLoaded } from './errors.ts';
import { inPlace } from './history.ts';
import { revertClaim } from './revert.ts';
import { record, type Recorder, type Runtime } from './runtime.ts';
import { runStep } from './step.ts';
import { stepsFor } from './steps.ts';

/** Takes a pending run (compare-and-set: pending → running); null when another worker has it. */
async function start(rt: Runtime, runId: number): Promise<EngineRun | null> {
  return record(rt, async (r) => {
    const run = await r.tx.getRun(runId);
    if (run === null || run.status !== 'pending') return null;
    const resumed = run.startedAt !== null;
    const started = await r.tx.updateRun(run.id, { status: 'running', startedAt: run.startedAt ?? r.now, detail: null });
    if (!resumed) {
      await r.append({
        incidentId: run.incidentId,
        phase: null,
        kind: 'run.started',
        summary: `Runbook ${run.runbook} started (${run.trigger})`,
        data: { runId: run.id, runbook: run.runbook, trigger: run.trigger, fingerprint: run.alert.fingerprint, notificationId: run.notificationId },
      });
    }
    return started;
  });
}

/** Executes a pending run to its end or to a park. */
export async function executeRun(rt: Runtime, runId: number): Promise<void> {
  const run = await start(rt, runId);
  if (run === null) return;
  const runbook = rt.runbooks.get(run.runbook);
  if (runbook === undefined) {
    await finish(rt, run, 'aborted', runbookNotLoaded(run.runbook));
    return;
  }
  let revertsOk = true;
  if (run.trigger === 'resolved') {
    await abortParkedRuns(rt, run);
    revertsOk = await revertOnResolve(rt, run, runbook);
  }
  let failed: FirebreakError | null = null;
  let blocked = false;
  let allOk = true;
  for (const step of stepsFor(runbook, run.trigger)) {
    const current = (await rt.store.getRun(run.id)) ?? run;
    const done = current.steps[step.id];
    if (done !== undefined && done.status !== 'waiting-approval') continue;
    if (rt.stop.aborted) return; // left running: the next start resumes or interrupts it
    const incident = await rt.store.getIncident(run.incidentId);
    if (incident === null) return;
    const outcome = await runStep(rt, current, runbook, step, incident);
    if (outcome.status === 'waiting-approval') return;
    if (outcome.status === 'blocked') blocked = true;
    if (outcome.status !== 'succeeded' && outcome.status !== 'skipped') allOk = false;
    if (outcome.status === 'failed') {
      failed ??= new FirebreakError('ENGINE_STEP_FAILED', `step ${step.id} failed (its step.failed entry has the error)`, { details: { step: step.id } });
      if (step.onFailure === 'abort') break;
    }
  }
  const latest = (await rt.store.getRun(run.id)) ?? run;
  const status: RunStatus = failed !== null ? 'failed' : blocked && !latest.acted ? 'blocked' : 'succeeded';
  await finish(rt, latest, status, failed, runbook, run.trigger === 'resolved' && revertsOk && allOk);
}

async function finish(rt: Runtime, run: EngineRun, status: RunStatus, error: FirebreakError | null, runbook?: Runbook, recovered = false): Promise<void> {
  await record(rt, async (r) => {
    await r.tx.updateRun(run.id, { status, finishedAt: r.now, detail: error === null ? null : `${error.code}: ${error.message}` });
    await r.append({
      incidentId: run.incidentId,
      phase: null,
      kind: 'run.finished',
      summary: `Runbook ${run.runbook} ${status} (${run.trigger})`,
      data: { runId: run.id, runbook: run.runbook, trigger: run.trigger, outcome: status, steps: run.steps, ...(error === null ? {} : { error: { code: error.code, message: error.message } }) },
    });
    const incident = await r.tx.getIncident(run.incidentId);
    if (incident === null) return;
    if (recovered && incident.status === 'resolved') {
      await transitionIncident(r.tx, incident.id, 'recovered', r.now, 'engine', `Recovered: ${run.runbook} reverted its changes and its recovery steps succeeded`, { runId: run.id });
      rt.metrics.timelineEntry('incident.status');
    }
    if (runbook !== undefined && runbook.followUps.length > 0 && (await r.tx.markFollowUpsAdded(incident.id, runbook.name))) {
      await addFollowUps(rt, r, incident, run, runbook);
    }
  });
  rt.metrics.runFinished(run.runbook, status);
}

async function addFollowUps(rt: Runtime, r: Recorder, incident: Incident, run: EngineRun, runbook: Runbook): Promise<void> {
  const context = templateContext({ incident, alert: run.alert, steps: run.steps, params: runbook.params, trigger: run.trigger });
  for (const source of runbook.followUps) {
    let title: string;
    try {
      title = String(rt.templates.render(source, context, 'followUps')).trim();
    } catch (err) {
      // A follow-up that reads a step that did not run: keep the task, in its template form.
      rt.logger.warn({ err: toFirebreakError(err), incidentId: incident.id }, 'follow-up did not render; added as written');
      title = source;
    }
    if (title === '') continue;
    const item = await r.tx.addActionItem({ incidentId: incident.id, title, owner: null, dueDate: null, createdAt: r.now, createdBy: 'engine' });
    await r.append({
      incidentId: incident.id,
      phase: 'lessons-learned',
      kind: 'action-item.added',
      summary: `Action item: ${title}`,
      data: { actionItemId: item.id, title, owner: null, dueDate: null, runbook: runbook.name, followUp: true },
    });
  }
}

/** Runs of this incident parked on an approval: the alert resolved, so their steps are moot. */
async function abortParkedRuns(rt: Runtime, run: EngineRun): Promise<void> {
  const parked = await rt.store.runs({ incidentId: run.incidentId, trigger: 'firing', status: ['waiting-approval'] });
  for (const other of parked) {
    await record(rt, async (r) => {
      for (const approval of await r.tx.approvals({ runId: other.id, state: ['pending'] })) {
        const decided = await r.tx.decideApproval(approval.id, { state: 'expired', decidedAt: r.now, decidedBy: 'engine', reason: 'the alert resolved before a decision' });
        if (decided === null) continue;
        await r.append({
          incidentId: run.incidentId,
          phase: 'containment',
          kind: 'approval.expired',
          summary: `Approval of step ${approval.stepId} no longer needed: the alert resolved`,
          data: { approvalId: approval.id, stepId: approval.stepId, runId: other.id, reason: 'alert-resolved' },
        });
      }
      await r.tx.updateRun(other.id, { status: 'aborted', finishedAt: r.now, detail: 'the alert resolved while it waited for an approval' });
      await r.append({
        incidentId: run.incidentId,
        phase: null,
        kind: 'run.finished',
        summary: `Runbook ${other.runbook} aborted: the alert resolved while it waited for an approval`,
        data: { runId: other.id, runbook: other.runbook, trigger: other.trigger, outcome: 'aborted' },
      });
    });
    rt.metrics.runFinished(other.runbook, 'aborted');
  }
}

/**
 * Reverts this runbook's `on-resolve` changes still in place in the incident, newest first.
 * Paused or in dry-run mode nothing is undone automatically: the revert is recorded as blocked
 * or planned (a person can still revert by hand). Returns whether every change is undone.
 */
async function revertOnResolve(rt: Runtime, run: EngineRun, runbook: Runbook): Promise<boolean> {
  const claims = (await rt.store.stepClaims({ incidentId: run.incidentId, runbook: runbook.name }))
    .filter((c) => inPlace(c) && c.revert === 'on-resolve' && c.revertStatus !== 'reverting')
    .reverse();
  if (claims.length === 0) return true;
  const { paused } = await rt.store.automation();
  const hold = paused ? { kind: 'step.blocked' as const, reason: 'paused' as const } : rt.config.mode === 'dry-run' ? { kind: 'step.planned' as const, reason: 'mode-dry-run' as const } : null;
  let ok = true;
  for (const claim of claims) {
    if (hold !== null) {
      rt.metrics.guardDecision(hold.reason);
      await record(rt, (r) =>
        r.append({
          incidentId: run.incidentId,
          phase: 'recovery',
          kind: hold.kind,
          summary: `Revert of step ${claim.stepId} ${hold.kind === 'step.blocked' ? 'blocked: automation is paused' : 'planned, not executed: dry-run mode'}`,
          data: { stepId: claim.stepId, action: claim.action, runId: run.id, claimId: claim.id, revert: true, decision: { verdict: hold.kind === 'step.blocked' ? 'block' : 'dry-run', reason: hold.reason }, prior: claim.prior, applied: claim.applied },
        }),
      );
      ok = false;
      continue;
    }
    const outcome = await revertClaim(rt, claim, 'engine', 'resolve');
    if (outcome.status !== 'reverted' && outcome.status !== 'already-reverted') ok = false;
  }
  return ok;
}
