/**
 * The history the guards decide on, read from the store: runs of this runbook for this incident
 * key (cooldowns, rate limits, one active run), the changes this runbook made in this incident
 * (already applied, caps) and the approval of this step in this run.
 */
import type { Plan } from '../actions/types.ts';
import { DEFAULT_APPROVAL_TIMEOUT_MS, type RunbookStep } from '../runbooks/types.ts';
import { inPlace, type Approval, type EngineRun } from '../model/engine.ts';
import type { StoreTx } from '../store/types.ts';
import type { ApprovalRecord, GuardHistory, RunOutcome, RunRecord } from './guards.ts';
import { summarizePlan } from './plan-summary.ts';

const ms = (iso: string) => Date.parse(iso);

/**
 * A run as the guards count it. A run that never acted (changed or planned nothing) is
 * `blocked`: it does not count for cooldowns. A run of another incident that has not finished
 * (its incident was closed while it waited) does not make this one wait.
 */
export function runRecord(run: EngineRun, incidentId: string): RunRecord | null {
  if (run.status === 'pending' || run.startedAt === null) return null;
  const active = run.status === 'running' || run.status === 'waiting-approval';
  let outcome: RunOutcome;
  if (active) outcome = run.incidentId === incidentId ? 'running' : 'aborted';
  else if (!run.acted) outcome = 'blocked';
  else if (run.status === 'succeeded' || run.status === 'failed' || run.status === 'blocked') outcome = run.status;
  else outcome = 'aborted';
  return { id: String(run.id), startedAt: ms(run.startedAt), finishedAt: run.finishedAt === null ? null : ms(run.finishedAt), outcome };
}

/** The plan stored on a claim, when it has the shape of one. */
export function storedPlan(value: unknown): Plan | null {
  const plan = value as Partial<Plan> | null;
  if (plan === null || typeof plan !== 'object' || !Array.isArray(plan.changes) || typeof plan.touches !== 'object' || plan.touches === null) return null;
  return plan as Plan;
}

export function approvalRecord(approval: Approval | undefined, step: RunbookStep, now: number): ApprovalRecord | null {
  if (approval === undefined) return null;
  const requestedAt = ms(approval.requestedAt);
  const decidedAt = approval.decidedAt === null ? null : ms(approval.decidedAt);
  switch (approval.state) {
    case 'pending':
      return { state: 'pending', requestedAt, decidedAt };
    case 'granted':
    case 'rejected':
      return { state: approval.state, requestedAt, decidedAt };
    case 'expired': {
      // Expired in the store (maybe under another timeout, before a reload): the guard must see
      // it expired whatever the step's timeout is now.
      const timeout = step.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
      return { state: 'pending', requestedAt: Math.min(requestedAt, now - timeout), decidedAt: null };
    }
  }
}

export async function guardHistory(tx: StoreTx, input: { run: EngineRun; step: RunbookStep; now: number }): Promise<GuardHistory> {
  const { run, step, now } = input;
  // Three reads side by side: a step's guards wait for them before its plan.
  const [all, claims, [approval]] = await Promise.all([
    tx.runs({ runbook: run.runbook, groupKey: run.groupKey, trigger: run.trigger }),
    tx.stepClaims({ incidentId: run.incidentId, runbook: run.runbook }),
    tx.approvals({ runId: run.id, stepId: step.id }),
  ]);
  const runs = all.map((r) => runRecord(r, run.incidentId)).filter((r): r is RunRecord => r !== null);
  const executedSteps = claims
    .filter((c) => c.mutating && (c.status === 'succeeded' || c.status === 'interrupted'))
    .map((c) => ({ stepId: c.stepId, at: ms(c.claimedAt), reverted: !inPlace(c) }));
  const topics = new Set<string>();
  const clients = new Set<string>();
  for (const claim of claims.filter(inPlace)) {
    const plan = storedPlan(claim.plan);
    if (plan === null) continue;
    const summary = summarizePlan(plan);
    for (const t of summary.topics) topics.add(t);
    for (const c of summary.clients) clients.add(c);
  }
  return {
    runs,
    executedSteps,
    touched: { topics: [...topics], clients: [...clients] },
    approval: approvalRecord(approval, step, now),
  };
}
