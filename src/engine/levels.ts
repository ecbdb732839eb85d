/**
 * Levels of a change, for gradual release and for re-applying "the last level that held".
 *
 * Level 0 is the change as the step applied it (the claim's `applied` record); level k is k
 * relaxations looser, computed by the action's pure `relax`. The level in force is kept on the
 * claim (`releaseState.current`), so every later revert compares the live state with what is
 * really in force.
 *
 * A level is set with the action's own `revert` (`prior`: the new level, `applied`: the level in
 * force): it writes only where the live value is still the one firebreak put there, and
 * reports a conflict otherwise, exactly as a revert does. Changing a level holds the claim's
 * revert status (`reverting`) like a revert, so a person's revert and a level change never run
 * at once, and records the target as `pending` first, so a crash half-way is finished by the
 * next attempt (setting the same level twice is harmless).
 */
import type { RevertOutcome } from '../actions/types.ts';
import { toFirebreakError, type FirebreakError } from '../errors.ts';
import type { ReleaseLevel, ReleaseSpec, ReleaseState, StepClaim } from '../model/engine.ts';
import { stepTimeout } from './errors.ts';
import { withTimeout } from './execute.ts';
import { actionContext, record, type Runtime } from './runtime.ts';
import { engineLimits } from './settings.ts';

export const LEVEL_ZERO: ReleaseLevel = { level: null, index: 0 };

/** The release state of a claim, or the state of a change just applied. */
export function releaseStateOf(claim: Pick<StepClaim, 'releaseState'>): ReleaseState {
  return claim.releaseState ?? { current: LEVEL_ZERO, pending: null, held: null, tooEarly: 0, hold: null };
}

/** When a person last lifted a hold in these claims of a group (epoch ms), or 0. */
export function liftedAt(claims: readonly StepClaim[]): number {
  let at = 0;
  for (const claim of claims) {
    const lifted = releaseStateOf(claim).lifted;
    if (lifted !== undefined && lifted !== null) at = Math.max(at, Date.parse(lifted.at));
  }
  return at;
}

/** The record (in the shape of `applied`) of a level of this claim. */
export function recordOf(claim: Pick<StepClaim, 'applied'>, level: ReleaseLevel): unknown {
  return level.index === 0 || level.level === null ? claim.applied : level.level;
}

/** What is in force now, as a record to compare the live state with. */
export function inForce(claim: Pick<StepClaim, 'applied' | 'releaseState'>): unknown {
  return recordOf(claim, releaseStateOf(claim).current);
}

/**
 * The level after `current`, or null when the next step is the prior state itself (the action
 * says so, or `spec.steps` levels were taken already).
 */
export function nextLevel(rt: Runtime, claim: StepClaim, spec: ReleaseSpec, current: ReleaseLevel): ReleaseLevel | null {
  if (current.index >= spec.steps) return null;
  const action = rt.registry.get(claim.action);
  if (action.relax === undefined) return null;
  const next = action.relax({ prior: claim.prior, applied: claim.applied }, recordOf(claim, current), spec.factor);
  return next === null || next === undefined ? null : { level: next, index: current.index + 1 };
}

export type LevelChange = { ok: true; outcome: RevertOutcome } | { ok: false; error: FirebreakError } | { ok: false; busy: true };

/**
 * Sets `to` in place of `from` (see the module comment). Records nothing on the timeline: the
 * caller says why in its own entry. A conflict leaves the claim `conflict` (someone changed the
 * value; firebreak leaves it alone from then on); a failure leaves it `failed` (retried).
 */
export async function changeLevel(rt: Runtime, claim: StepClaim, from: ReleaseLevel, to: ReleaseLevel): Promise<LevelChange> {
  const state = releaseStateOf(claim);
  const locked = await record(rt, async (r) => {
    const taken = await r.tx.setRevertStatus(claim.id, [null, 'failed'], { status: 'reverting', at: r.now, by: 'engine', detail: { level: to.index } });
    if (taken === null) return false;
    await r.tx.setReleaseState(claim.id, { ...state, pending: to });
    return true;
  });
  if (!locked) return { ok: false, busy: true };
  let outcome: RevertOutcome;
  try {
    const action = rt.registry.get(claim.action);
    if (action.revert === undefined) throw new Error(`action ${claim.action} cannot revert`);
    const revert = action.revert.bind(action);
    const timeoutMs = engineLimits(rt.config).stepTimeoutMs;
    const limits = { ...rt.config.safety, protectedTopics: [...rt.config.safety.protectedTopics] };
    outcome = await withTimeout(
      (signal) => revert(actionContext(rt, limits, signal, rt.logger.child({ claimId: claim.id })), claim.params, { prior: recordOf(claim, to), applied: recordOf(claim, from) }),
      timeoutMs,
      () => stepTimeout(claim.stepId, claim.action, timeoutMs, true),
      rt.stop,
    );
  } catch (err) {
    const error = toFirebreakError(err, 'ENGINE_REVERT_FAILED');
    await record(rt, (r) => r.tx.setRevertStatus(claim.id, ['reverting'], { status: 'failed', at: r.now, by: 'engine', detail: { code: error.code, message: error.message, retriable: error.retriable, level: to.index } }));
    return { ok: false, error };
  }
  await record(rt, async (r) => {
    if (outcome.status === 'conflict') {
      await r.tx.setRevertStatus(claim.id, ['reverting'], { status: 'conflict', at: r.now, by: 'engine', detail: { conflicts: outcome.conflicts, changes: outcome.changes ?? [], level: to.index } });
      await r.tx.setReleaseState(claim.id, { ...state, pending: null });
      return;
    }
    await r.tx.setRevertStatus(claim.id, ['reverting'], { status: null, at: r.now, by: 'engine', detail: { level: to.index } });
    await r.tx.setReleaseState(claim.id, { ...state, current: to, pending: null });
  });
  return { ok: true, outcome };
}
