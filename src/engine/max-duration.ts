/**
 * The maximum time a change stays in force (a step's `maxDuration`): when a change is applied,
 * a `max-duration` timer is scheduled for the moment it runs out. Then, if the change is still in
 * force, the step's `onMaxDuration` applies: `release` reverts it at once (a `release` timer in
 * revert-only mode: retried like any release until it works), `escalate` keeps it and tells a
 * person. A change the loop breaker holds is escalated, never released. It works whether or not
 * Alertmanager reconciliation is configured: it is the backstop for resolves that never arrive
 * and conditions that never hold.
 *
 * A change can also bound itself: an action's `holdLimit` (the longest it may hold before it
 * does harm, e.g. a producer throttle past which producers drop records) schedules the same timer
 * when it comes before `maxDuration`, with the limit in the timer's state; it releases the change
 * whatever `onMaxDuration` says, even one the loop breaker holds (a `revert: on-resolve` change;
 * others are escalated).
 */
import { formatDuration } from '../core/duration.ts';
import { toIso } from '../incidents/normalize.ts';
import { inPlace, type EngineTimer, type StepClaim } from '../model/engine.ts';
import { escalate } from './escalate.ts';
import { releaseStateOf } from './levels.ts';
import { releaseTimerState } from './release.ts';
import { record, type Recorder, type Runtime } from './runtime.ts';
import type { TimerResult } from './timers.ts';

/** An action's bound on its own change (ExecuteResult.holdLimit). */
export interface HoldLimit {
  ms: number;
  reason: string;
}

function holdLimitOf(state: unknown): HoldLimit | null {
  const limit = (state as { holdLimit?: unknown } | null)?.holdLimit as Partial<HoldLimit> | undefined;
  return typeof limit?.ms === 'number' && typeof limit.reason === 'string' ? { ms: limit.ms, reason: limit.reason } : null;
}

/** Schedules the `max-duration` timer of a change just applied (inside its transaction): the step's `maxDuration` or the action's `holdLimit`, whichever comes first. */
export async function scheduleMaxDuration(r: Recorder, claim: StepClaim, holdLimit?: HoldLimit): Promise<void> {
  const maxMs = claim.release?.maxDurationMs ?? null;
  const limit = holdLimit !== undefined && (maxMs === null || holdLimit.ms < maxMs) ? holdLimit : null;
  const ms = limit?.ms ?? maxMs;
  if (ms === null || !claim.mutating) return;
  await r.tx.scheduleTimer({
    kind: 'max-duration',
    key: `max-duration:${claim.id}`,
    incidentId: claim.incidentId,
    claimId: claim.id,
    dueAt: toIso(Date.parse(claim.finishedAt ?? r.now) + ms),
    state: limit === null ? null : { holdLimit: limit },
    createdAt: r.now,
  });
}

/** The `max-duration` timer handler (see the module comment). */
export async function maxDurationTimer(rt: Runtime, timer: EngineTimer): Promise<TimerResult> {
  const [claim] = timer.claimId === null ? [] : await rt.store.stepClaims({ id: timer.claimId });
  const limit = holdLimitOf(timer.state);
  if (claim === undefined || !inPlace(claim) || claim.release === null || (limit === null && claim.release.maxDurationMs === null)) return { done: true };
  const spec = claim.release;
  const held = releaseStateOf(claim).hold;
  const since = limit === null ? formatDuration(spec.maxDurationMs ?? 0) : formatDuration(limit.ms, 'human');
  const bound = limit === null ? 'maxDuration' : `the longest it may hold: ${limit.reason}`;
  // A hold limit releases even a change the loop breaker holds: held longer, the change does harm by itself.
  if (claim.revert === 'on-resolve' && (limit !== null || (spec.onMaxDuration === 'release' && held === null))) {
    await record(rt, async (r) => {
      await r.tx.cancelTimers({ claimId: claim.id, kind: ['release'] }, r.now);
      await r.tx.scheduleTimer({
        kind: 'release',
        key: `release:${claim.id}:max-duration`,
        incidentId: claim.incidentId,
        claimId: claim.id,
        dueAt: r.now,
        state: releaseTimerState({ revertOnly: true, trigger: 'max-duration' }),
        createdAt: r.now,
      });
      await r.append({
        incidentId: claim.incidentId,
        phase: 'recovery',
        kind: 'release.scheduled',
        summary:
          limit === null
            ? `Step ${claim.stepId} has been in force for ${since} (maxDuration): released now, as the runbook says (onMaxDuration: release)`
            : `Step ${claim.stepId} has been in force for ${since}, ${bound}: released now${held === null ? '' : ', although the loop breaker holds it'}`,
        data: { stepId: claim.stepId, claimId: claim.id, action: claim.action, mode: 'max-duration', maxDurationMs: spec.maxDurationMs, ...(limit === null ? {} : { holdLimit: limit }) },
      });
    });
    return { done: true };
  }
  await escalate(rt, {
    incidentId: claim.incidentId,
    reason: 'max-duration',
    phase: 'containment',
    summary: `Step ${claim.stepId} has been in force for ${since} (${bound})${held === null ? '' : ', held by the loop breaker'}: it stays in force until a person reverts it (firebreak revert) or the release runs`,
    data: { stepId: claim.stepId, claimId: claim.id, action: claim.action, maxDurationMs: spec.maxDurationMs, onMaxDuration: spec.onMaxDuration, appliedAt: claim.finishedAt, ...(limit === null ? {} : { holdLimit: limit }) },
  });
  return { done: true };
}
