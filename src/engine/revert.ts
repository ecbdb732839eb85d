/**
 * Undoing a change a step made, from what its claim recorded (`params`, `prior`, `applied`), in
 * this process or any later one. The action restores the prior value only where the live value
 * is still the applied one; a value changed behind firebreak's back is left alone (a conflict).
 *
 * A revert starts with a compare-and-set of the claim's revert status (never reverted, or a
 * failed attempt → `reverting`), so it runs once even when the engine and an operator ask at the
 * same time; a claim already reverted (or in conflict) is reported as such and left alone.
 *
 * The live state is compared with what is in force: the level a gradual release reached, else
 * the claim's `applied` record (levels.ts). When a level change was cut short by a crash, the
 * revert tries the level it was going to as well before calling it a conflict.
 *
 * Timeline: `revert.started`, then `revert.succeeded` (`changes`, `alreadyReverted`),
 * `revert.conflict` (`conflicts`, and `changes` for keys restored anyway) or `revert.failed`
 * (`error` with `retriable`). `data.trigger` says why: `resolve` / `release` (the engine
 * releasing), `manual` (a person), `max-duration`. A step interrupted by a crash has no prior
 * record: its revert fails with ENGINE_NOT_REVERSIBLE, and the `plan` on the entry holds the
 * values to restore by hand. Retrying failures is the caller's business (release.ts).
 */
import type { RevertOutcome } from '../actions/types.ts';
import { toFirebreakError, type FirebreakError } from '../errors.ts';
import type { StepClaim } from '../model/engine.ts';
import { notReversible, stepTimeout } from './errors.ts';
import { withTimeout } from './execute.ts';
import { inForce, recordOf, releaseStateOf } from './levels.ts';
import { actionContext, record, type Runtime } from './runtime.ts';
import { engineLimits } from './settings.ts';

export interface RevertResult {
  stepId: string;
  claimId: number;
  action: string;
  /** `reverted`; `already-reverted` (nothing to do: done before, or the value is back); `conflict`; `failed`. */
  status: 'reverted' | 'already-reverted' | 'conflict' | 'failed';
  message: string;
  detail: unknown;
  /** For `failed`: whether trying again may work (the error is retriable). */
  retriable?: boolean;
}

/** Why a revert runs (the `trigger` of its timeline entries). */
export type RevertTrigger = 'resolve' | 'release' | 'manual' | 'max-duration';

function result(claim: StepClaim, status: RevertResult['status'], message: string, detail: unknown = null): RevertResult {
  return { stepId: claim.stepId, claimId: claim.id, action: claim.action, status, message, detail };
}

/**
 * Reverts one claim on behalf of `actor` (`engine` on resolve, or a person). Never throws for
 * the revert's own failure: it is recorded and returned.
 */
export async function revertClaim(
  rt: Runtime,
  claim: StepClaim,
  actor: string,
  why: RevertTrigger,
  options: {
    /** When a failure will be tried again (ISO), or null: said on the `revert.failed` entry. */
    retryAt?: (error: FirebreakError) => string | null;
  } = {},
): Promise<RevertResult> {
  const phase = 'recovery' as const;
  const base = { stepId: claim.stepId, action: claim.action, claimId: claim.id, runId: claim.runId, trigger: why };
  const started = await record(rt, async (r) => {
    const taken = await r.tx.setRevertStatus(claim.id, [null, 'failed'], { status: 'reverting', at: r.now, by: actor, detail: null });
    if (taken === null) return null;
    await r.append({ incidentId: claim.incidentId, phase, actor, kind: 'revert.started', summary: `Reverting step ${claim.stepId} (${claim.action})`, data: { ...base, params: claim.params, prior: claim.prior, applied: claim.applied } });
    return taken;
  });
  if (started === null) {
    const current = (await rt.store.stepClaims({ incidentId: claim.incidentId })).find((c) => c.id === claim.id) ?? claim;
    const when = current.revertedAt === null ? '' : ` at ${current.revertedAt}${current.revertedBy === null ? '' : ` by ${current.revertedBy}`}`;
    return result(current, 'already-reverted', `step ${claim.stepId} was already handled${when} (${current.revertStatus ?? 'in progress'}); nothing done`, current.revertDetail);
  }

  let outcome: RevertOutcome;
  try {
    if (claim.status !== 'succeeded') {
      throw notReversible(claim.incidentId, claim.stepId, 'it was interrupted before it finished, so its prior state was not recorded; restore the "from" values of its plan by hand');
    }
    const action = rt.registry.get(claim.action);
    if (action.revert === undefined) throw notReversible(claim.incidentId, claim.stepId, `action ${claim.action} cannot revert`);
    const revert = action.revert.bind(action);
    const timeoutMs = engineLimits(rt.config).stepTimeoutMs;
    // The limits of the change itself: restoring exactly what was there is not held to floors.
    const limits = { ...rt.config.safety, protectedTopics: [...rt.config.safety.protectedTopics] };
    const attempt = (applied: unknown) =>
      withTimeout(
        (signal) => revert(actionContext(rt, limits, signal, rt.logger.child({ claimId: claim.id })), claim.params, { prior: claim.prior, applied }),
        timeoutMs,
        () => stepTimeout(claim.stepId, claim.action, timeoutMs, true),
        rt.stop,
      );
    outcome = await attempt(inForce(claim));
    const pending = releaseStateOf(claim).pending;
    if (outcome.status === 'conflict' && pending !== null) outcome = await attempt(recordOf(claim, pending));
  } catch (err) {
    const error = toFirebreakError(err, 'ENGINE_REVERT_FAILED');
    const detail = { code: error.code, message: error.message, retriable: error.retriable };
    const retryAt = options.retryAt?.(error) ?? null;
    const then = retryAt === null ? '' : `; trying again at ${retryAt}`;
    await record(rt, async (r) => {
      await r.tx.setRevertStatus(claim.id, ['reverting'], { status: 'failed', at: r.now, by: actor, detail });
      await r.append({ incidentId: claim.incidentId, phase, actor, kind: 'revert.failed', summary: `Revert of step ${claim.stepId} failed: ${error.message}${then}`, data: { ...base, error: detail, retryAt, plan: claim.plan } });
    });
    return { ...result(claim, 'failed', error.message, detail), retriable: error.retriable };
  }

  return record(rt, async (r) => {
    switch (outcome.status) {
      case 'reverted':
      case 'already-reverted': {
        const changes = outcome.status === 'reverted' ? outcome.changes : [];
        const detail = { changes, alreadyReverted: outcome.status === 'already-reverted' };
        await r.tx.setRevertStatus(claim.id, ['reverting'], { status: 'reverted', at: r.now, by: actor, detail });
        const summary =
          outcome.status === 'reverted' ? `Reverted step ${claim.stepId}: ${changes.map((c) => `${c.key} → ${String(c.to ?? 'unset')}`).join(', ')}` : `Step ${claim.stepId} needed no revert: the prior state was already back`;
        await r.append({ incidentId: claim.incidentId, phase, actor, kind: 'revert.succeeded', summary, data: { ...base, ...detail } });
        return result(claim, outcome.status, summary, detail);
      }
      case 'conflict': {
        const detail = { conflicts: outcome.conflicts, changes: outcome.changes ?? [] };
        await r.tx.setRevertStatus(claim.id, ['reverting'], { status: 'conflict', at: r.now, by: actor, detail });
        const keys = outcome.conflicts.map((c) => `${c.resource} ${c.key} is ${String(c.actual ?? 'unset')}, not ${String(c.expected ?? 'unset')}`).join('; ');
        const summary = `Revert of step ${claim.stepId} left changed values alone: ${keys}`;
        await r.append({ incidentId: claim.incidentId, phase, actor, kind: 'revert.conflict', summary, data: { ...base, ...detail } });
        return result(claim, 'conflict', summary, detail);
      }
    }
  });
}
