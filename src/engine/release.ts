/**
 * Releasing containment (docs/engine.md "Releases"). When an incident resolves, its resolved run
 * schedules one `release` timer per change still in force whose step says `revert: on-resolve`,
 * and parks (`waiting-release`) until every one of them has finished; then its `on: resolved`
 * steps run, so recovery checks see the cluster without the containment.
 *
 * A release timer, each time it is due:
 * - stops when the change is no longer in force (reverted by hand, conflict), when the loop
 *   breaker holds it, or when the incident fires again (the firing run cancels it anyway);
 * - waits while automation is paused (`step.blocked`, once) and only plans in dry-run mode
 *   (`step.planned`);
 * - `on-resolve`: reverts now;
 * - `when-recovered`: checks the condition every `interval` while the change is in force, and
 *   reverts once it has held for the hold time;
 * - `gradual`: the same check at each level; once it held long enough, sets the next, looser
 *   level (the action's `relax`, `release.step`), until the next level would be the prior state:
 *   then reverts. When the condition breaks after a relax, it goes back one level and holds
 *   there (`release.step-back`); each break doubles the hold time.
 * The hold time is `for`, doubled for every re-fire this episode's releases caused
 * (`tooEarly`); an `on-resolve` change that was released too early waits the episode window
 * (doubled likewise) before it is released again.
 *
 * A failed revert or level change is tried again with backoff (`engine.revertRetryMs` doubling
 * to `engine.revertRetryMaxMs`) until it works or a person reverts by hand; after
 * `engine.revertEscalateMs` it is escalated (`revert-stuck`) and still retried. An error that
 * cannot go away by itself (not retriable) is escalated at once and not retried.
 */
import { formatDuration } from '../core/duration.ts';
import { defaultReleaseIntervalMs } from '../runbooks/release.ts';
import type { Runbook } from '../runbooks/types.ts';
import { inPlace, type EngineRun, type EngineTimer, type ReleaseSpec, type ReleaseState, type StepClaim } from '../model/engine.ts';
import { toIso } from '../incidents/normalize.ts';
import { checkCondition, type ConditionCheck } from './condition.ts';
import { escalate } from './escalate.ts';
import { reopenIfUncontained } from './reopen.ts';
import { changeLevel, nextLevel, releaseStateOf, type LevelChange } from './levels.ts';
import { revertClaim, type RevertTrigger } from './revert.ts';
import { record, type Recorder, type Runtime } from './runtime.ts';
import { engineLimits, modeInForce } from './settings.ts';
import { retryDelayMs, type TimerResult } from './timers.ts';

/** The release of a claim written before releases existed: at once, on resolve. */
export const ON_RESOLVE: ReleaseSpec = { mode: 'on-resolve', condition: null, forMs: 0, intervalMs: 0, factor: 2, steps: 4, maxDurationMs: null, onMaxDuration: 'escalate' };

/** The state a `release` timer carries between runs. */
export interface ReleaseTimerState {
  /** The resolved run parked until the release ends; null when no run waits (a retry asked by a person). */
  runId: number | null;
  /** Revert at once, retrying until it works (a failed revert a person or a restart left), no condition. */
  revertOnly: boolean;
  /** Why the revert runs (the `trigger` of its timeline entries). */
  trigger: RevertTrigger;
  /** Since when the condition has held without a break (ISO), at the level in force. */
  heldSince: string | null;
  /** The last check's result, so only changes go on the timeline. */
  lastHeld: boolean | null;
  /** Gradual: how often the condition broke after a relax (each doubles the hold time). */
  breaks: number;
  /** Gradual: stepped back since the last relax (one step back per relax). */
  steppedBack: boolean;
  /** When the revert first failed (ISO), for the escalation after `engine.revertEscalateMs`. */
  failingSince: string | null;
  escalated: boolean;
  /** `step.blocked` (paused) was recorded for this release. */
  blocked: boolean;
}

export function releaseTimerState(partial: Partial<ReleaseTimerState> = {}): ReleaseTimerState {
  return { runId: null, revertOnly: false, trigger: 'release', heldSince: null, lastHeld: null, breaks: 0, steppedBack: false, failingSince: null, escalated: false, blocked: false, ...partial };
}

function stateOf(timer: EngineTimer): ReleaseTimerState {
  return releaseTimerState((timer.state ?? {}) as Partial<ReleaseTimerState>);
}

export function specOf(claim: Pick<StepClaim, 'release'>): ReleaseSpec {
  return claim.release ?? ON_RESOLVE;
}

/** How long the condition must hold at a level before the release goes on (see the module comment). */
export function holdMs(rt: Pick<Runtime, 'config'>, spec: ReleaseSpec, release: ReleaseState, breaks: number): number {
  if (spec.mode === 'on-resolve') return release.tooEarly === 0 ? 0 : engineLimits(rt.config).episodeWindowMs * 2 ** (release.tooEarly - 1);
  return spec.forMs * 2 ** (release.tooEarly + breaks);
}

/** Time between checks: the step's interval, or a fifth of the hold time within 1s..1m. */
function intervalMs(spec: ReleaseSpec, hold: number): number {
  return spec.intervalMs > 0 ? spec.intervalMs : defaultReleaseIntervalMs(hold);
}

function describe(spec: ReleaseSpec, hold: number): string {
  const condition = spec.condition === null ? 'the alert staying resolved' : `${spec.condition.query} ${spec.condition.expect}`;
  switch (spec.mode) {
    case 'on-resolve':
      return hold === 0 ? 'released now (on-resolve)' : `released once ${condition} for ${formatDuration(hold)} (on-resolve, released too early before)`;
    case 'when-recovered':
      return `released once ${condition} for ${formatDuration(hold)} (when-recovered)`;
    default:
      return `released in levels (x${spec.factor}, at most ${spec.steps}), each once ${condition} for ${formatDuration(hold)} (gradual)`;
  }
}

/**
 * Schedules the release of every change of `runbook` still in force in the run's incident
 * (automatic ones: `revert: on-resolve`), newest first; once per run and change. Changes the loop
 * breaker holds are not released (`release.held`). Returns how many releases are under way for
 * the incident afterwards.
 */
export async function scheduleReleases(rt: Runtime, run: EngineRun, runbook: Runbook): Promise<number> {
  return record(rt, async (r) => {
    const claims = (await r.tx.stepClaims({ incidentId: run.incidentId, runbook: runbook.name })).filter((c) => inPlace(c) && c.revert === 'on-resolve').reverse();
    for (const claim of claims) {
      const key = `release:${claim.id}:run-${run.id}`;
      if ((await r.tx.timers({ key })).length > 0) continue;
      const release = releaseStateOf(claim);
      if (release.hold !== null) {
        await r.tx.scheduleTimer({ kind: 'release', key, incidentId: claim.incidentId, claimId: claim.id, dueAt: r.now, state: null, createdAt: r.now }).then((t) => r.tx.cancelTimers({ key: t.key }, r.now));
        await r.append({
          incidentId: claim.incidentId,
          phase: 'recovery',
          kind: 'release.held',
          summary: `Step ${claim.stepId} stays in force: the loop breaker stopped automatic release for this incident; revert it by hand when it is safe`,
          data: { stepId: claim.stepId, claimId: claim.id, action: claim.action, runId: run.id, hold: release.hold },
        });
        continue;
      }
      await scheduleRelease(r, rt, claim, { key, runId: run.id });
    }
    return (await r.tx.timers({ incidentId: run.incidentId, kind: ['release'], status: ['pending', 'running'] })).length;
  });
}

/**
 * Schedules the release of one change in force as its step says (`release.scheduled`), taking
 * over from a retry a person's failed revert left. `runId`: the resolved run parked until it
 * ends, or null (a hold handed back by a person after the run ended).
 */
export async function scheduleRelease(r: Recorder, rt: Pick<Runtime, 'config'>, claim: StepClaim, options: { key: string; runId: number | null }): Promise<void> {
  await r.tx.cancelTimers({ claimId: claim.id, kind: ['release'] }, r.now);
  const release = releaseStateOf(claim);
  const spec = specOf(claim);
  const hold = holdMs(rt, spec, release, 0);
  await r.tx.scheduleTimer({ kind: 'release', key: options.key, incidentId: claim.incidentId, claimId: claim.id, dueAt: r.now, state: releaseTimerState({ runId: options.runId, trigger: 'resolve' }), createdAt: r.now });
  await r.append({
    incidentId: claim.incidentId,
    phase: 'recovery',
    kind: 'release.scheduled',
    summary: `Step ${claim.stepId} will be ${describe(spec, hold)}`,
    data: { stepId: claim.stepId, claimId: claim.id, action: claim.action, runId: options.runId, mode: spec.mode, condition: spec.condition, holdMs: hold, intervalMs: hold === 0 ? 0 : intervalMs(spec, hold), factor: spec.factor, steps: spec.steps, level: release.current.index, tooEarly: release.tooEarly },
  });
}

/** Schedules retries of a failed revert (a person's, or one a restart interrupted) until it works. */
export async function scheduleRevertRetry(r: Recorder, rt: Pick<Runtime, 'config'>, claim: StepClaim, trigger: RevertTrigger, failures = 1): Promise<void> {
  if ((await r.tx.timers({ claimId: claim.id, kind: ['release'], status: ['pending', 'running'] })).length > 0) return;
  await r.tx.scheduleTimer({
    kind: 'release',
    key: `release:${claim.id}:retry-${r.now}`,
    incidentId: claim.incidentId,
    claimId: claim.id,
    dueAt: toIso(Date.parse(r.now) + retryDelayMs(rt, failures)),
    state: releaseTimerState({ revertOnly: true, trigger, failingSince: r.now }),
    createdAt: r.now,
  });
}

/**
 * Cancels the releases under way in an incident (the alert fires again: the change must stay),
 * recording `release.cancelled` for each; returns the claims whose release was cancelled.
 */
export async function cancelReleases(r: Recorder, incidentId: string, why: string): Promise<number[]> {
  const cancelled = await r.tx.cancelTimers({ incidentId, kind: ['release'] }, r.now);
  const claims: number[] = [];
  for (const timer of cancelled) {
    if (timer.claimId === null || claims.includes(timer.claimId)) continue;
    claims.push(timer.claimId);
    const [claim] = await r.tx.stepClaims({ id: timer.claimId });
    if (claim === undefined) continue;
    await r.append({
      incidentId,
      phase: 'containment',
      kind: 'release.cancelled',
      summary: `Release of step ${claim.stepId} stopped: ${why}; the change stays in force`,
      data: { stepId: claim.stepId, claimId: claim.id, action: claim.action, level: releaseStateOf(claim).current.index, reason: why },
    });
  }
  return claims;
}

/** Requeues the resolved runs parked on the incident's releases once none is under way; true when it did. */
export async function resumeParkedRuns(r: Recorder, incidentId: string): Promise<boolean> {
  if ((await r.tx.timers({ incidentId, kind: ['release'], status: ['pending', 'running'] })).length > 0) return false;
  const parked = await r.tx.runs({ incidentId, status: ['waiting-release'] });
  for (const run of parked) await r.tx.updateRun(run.id, { status: 'pending', detail: null });
  return parked.length > 0;
}

/**
 * After a release timer finished: the resolved runs parked on the incident's releases go on once
 * none is left (see {@link resumeParkedRuns}); an incident still `contained` (a change released
 * at its maxDuration while the alert fires) goes back to `open` once nothing is in force.
 */
export async function afterRelease(rt: Runtime, timer: EngineTimer): Promise<void> {
  if (timer.incidentId === null) return;
  const incidentId = timer.incidentId;
  await record(rt, (r) => resumeParkedRuns(r, incidentId));
  await reopenIfUncontained(rt, incidentId, 'engine');
}

/** The `release` timer handler (see the module comment). */
export async function releaseTimer(rt: Runtime, timer: EngineTimer): Promise<TimerResult> {
  const state = stateOf(timer);
  const now = rt.clock.now();
  const [claim] = timer.claimId === null ? [] : await rt.store.stepClaims({ id: timer.claimId });
  if (claim === undefined || !inPlace(claim)) return { done: true };
  if (claim.revertStatus === 'reverting') return { done: false, dueAt: now + retryDelayMs(rt, 1), state };
  const release = releaseStateOf(claim);
  if (release.hold !== null && !state.revertOnly) return { done: true };
  const spec = specOf(claim);
  if (!state.revertOnly) {
    const incident = await rt.store.getIncident(claim.incidentId);
    if (incident !== null && (incident.status === 'open' || incident.status === 'contained')) {
      await record(rt, (r) => cancelledEntry(r, claim, 'the alert fires again'));
      return { done: true };
    }
    const automation = await rt.store.automation();
    if (automation.paused) {
      if (!state.blocked) await heldBack(rt, claim, timer, 'paused');
      return { done: false, dueAt: now + Math.max(intervalMs(spec, spec.forMs), 5_000), state: { ...state, blocked: true } };
    }
    if (modeInForce(rt.config, automation) === 'dry-run') {
      await heldBack(rt, claim, timer, 'mode-dry-run');
      return { done: true };
    }
  }
  if (release.pending !== null) {
    // A level change a crash cut short: finish it before anything else.
    const settled = await changeLevel(rt, claim, release.current, release.pending);
    if (!settled.ok) return notChanged(rt, claim, timer, state, settled);
    return releaseTimer(rt, timer);
  }
  const hold = holdMs(rt, spec, release, state.breaks);
  if (state.revertOnly || hold === 0) return finalRevert(rt, claim, timer, state);

  const check = spec.mode === 'on-resolve' ? ({ held: true, value: null, error: null } satisfies ConditionCheck) : await checkCondition(rt, claim, spec);
  const next: ReleaseTimerState = { ...state, lastHeld: check.held, heldSince: check.held ? (state.heldSince ?? toIso(now)) : null };
  if (state.lastHeld !== check.held) await checkEntry(rt, claim, spec, check, hold);
  const again = { done: false as const, dueAt: now + intervalMs(spec, hold), state: next };

  if (!check.held && spec.mode === 'gradual' && release.current.index > 0 && !state.steppedBack && release.held !== null) {
    const back = await changeLevel(rt, claim, release.current, release.held);
    if (!back.ok) return notChanged(rt, claim, timer, state, back);
    await levelEntry(rt, claim, 'release.step-back', release.current.index, release.held.index, `the condition broke (${conditionText(check)}); holding the last level that held, next relax after ${formatDuration(holdMs(rt, spec, release, state.breaks + 1))}`);
    return { ...again, state: { ...next, breaks: state.breaks + 1, steppedBack: true, heldSince: null, lastHeld: null } };
  }
  if (next.heldSince === null || now - Date.parse(next.heldSince) < hold) return again;

  // Held long enough at this level: remember it as the level that held, then go on.
  await record(rt, (r) => r.tx.setReleaseState(claim.id, { ...release, held: release.current }));
  const held = { ...claim, releaseState: { ...release, held: release.current } };
  if (spec.mode === 'gradual') {
    const to = nextLevel(rt, held, spec, release.current);
    if (to !== null) {
      const step = await changeLevel(rt, held, release.current, to);
      if (!step.ok) return notChanged(rt, held, timer, state, step);
      await levelEntry(rt, held, 'release.step', release.current.index, to.index, `level ${to.index} of at most ${spec.steps} (x${spec.factor}) after ${formatDuration(hold)} with ${conditionText(check, spec)}`, step.outcome.status === 'reverted' ? step.outcome.changes : []);
      return { ...again, state: { ...next, heldSince: null, lastHeld: null, steppedBack: false } };
    }
  }
  return finalRevert(rt, held, timer, next);
}

/** A level change that did not happen: someone else holds the change (try soon), or it failed. */
function notChanged(rt: Runtime, claim: StepClaim, timer: EngineTimer, state: ReleaseTimerState, change: Exclude<LevelChange, { ok: true }>): Promise<TimerResult> {
  if ('busy' in change) return Promise.resolve({ done: false, dueAt: rt.clock.now() + retryDelayMs(rt, 1), state });
  return failedAttempt(rt, claim, timer, state, change.error);
}

async function finalRevert(rt: Runtime, claim: StepClaim, timer: EngineTimer, state: ReleaseTimerState): Promise<TimerResult> {
  const now = rt.clock.now();
  const retryAt = toIso(now + retryDelayMs(rt, timer.attempts + 1));
  const outcome = await revertClaim(rt, claim, 'engine', state.trigger, { retryAt: (e) => (e.retriable ? retryAt : null) });
  if (outcome.status !== 'failed') return { done: true, state };
  const code = (outcome.detail as { code?: unknown } | null)?.code;
  return failedAttempt(rt, claim, timer, state, null, outcome.retriable === true, typeof code === 'string' ? `${code}: ${outcome.message}` : outcome.message);
}

/** A failed revert or level change: tried again with backoff, escalated once when stuck. */
async function failedAttempt(rt: Runtime, claim: StepClaim, timer: EngineTimer, state: ReleaseTimerState, error: { code: string; message: string; retriable: boolean } | null, retriable = error?.retriable ?? true, message = error?.message ?? ''): Promise<TimerResult> {
  const now = rt.clock.now();
  const failingSince = state.failingSince ?? toIso(now);
  const stuckMs = now - Date.parse(failingSince);
  const limits = engineLimits(rt.config);
  const text = error === null ? message : `${error.code}: ${error.message}`;
  if (error !== null) {
    await record(rt, (r) =>
      r.append({
        incidentId: claim.incidentId,
        phase: 'recovery',
        kind: 'revert.failed',
        summary: `Release of step ${claim.stepId} failed: ${error.message}${retriable ? `; trying again at ${toIso(now + retryDelayMs(rt, timer.attempts + 1))}` : ''}`,
        data: { stepId: claim.stepId, action: claim.action, claimId: claim.id, trigger: state.trigger, error, level: releaseStateOf(claim).pending?.index ?? null },
      }),
    );
  }
  let escalated = state.escalated;
  if (!escalated && (!retriable || stuckMs >= limits.revertEscalateMs)) {
    escalated = true;
    await escalate(rt, {
      incidentId: claim.incidentId,
      reason: 'revert-stuck',
      phase: 'recovery',
      summary: retriable
        ? `Releasing step ${claim.stepId} has failed for ${formatDuration(stuckMs)} (${text}); firebreak keeps trying; revert it by hand (firebreak revert) if it cannot wait`
        : `Releasing step ${claim.stepId} failed and cannot be retried (${text}); revert it by hand (firebreak revert)`,
      data: { stepId: claim.stepId, claimId: claim.id, action: claim.action, error: text, failingSince, attempts: timer.attempts + 1, retrying: retriable, plan: claim.plan },
    });
  }
  const next = { ...state, failingSince, escalated };
  if (!retriable) return { done: true, state: next, error: text };
  return { done: false, dueAt: now + retryDelayMs(rt, timer.attempts + 1), state: next, error: text, failed: true };
}

function conditionText(check: ConditionCheck, spec?: ReleaseSpec): string {
  if (spec !== undefined && spec.condition === null) return 'the alert staying resolved';
  if (check.error !== null) return `condition unknown: ${check.error}`;
  return check.value === null ? (check.held ? 'the condition held' : 'the condition did not hold') : `value ${String(check.value)}`;
}

async function checkEntry(rt: Runtime, claim: StepClaim, spec: ReleaseSpec, check: ConditionCheck, hold: number): Promise<void> {
  const condition = spec.condition === null ? 'the alert stays resolved' : `${spec.condition.query} ${spec.condition.expect}`;
  await record(rt, (r) =>
    r.append({
      incidentId: claim.incidentId,
      phase: 'recovery',
      kind: 'release.check',
      summary: check.held
        ? `Release of step ${claim.stepId}: ${condition} holds (${conditionText(check)}); released once it has held ${formatDuration(hold)}`
        : `Release of step ${claim.stepId} waits: ${condition} does not hold (${conditionText(check)})`,
      data: { stepId: claim.stepId, claimId: claim.id, held: check.held, value: check.value, error: check.error, holdMs: hold, level: releaseStateOf(claim).current.index },
    }),
  );
}

async function levelEntry(rt: Runtime, claim: StepClaim, kind: 'release.step' | 'release.step-back', from: number, to: number, why: string, changes: unknown[] = []): Promise<void> {
  await record(rt, (r) =>
    r.append({
      incidentId: claim.incidentId,
      phase: 'recovery',
      kind,
      summary: kind === 'release.step' ? `Relaxed step ${claim.stepId} from level ${from} to ${to}: ${why}` : `Stepped step ${claim.stepId} back from level ${from} to ${to}: ${why}`,
      data: { stepId: claim.stepId, claimId: claim.id, action: claim.action, from, to, changes },
    }),
  );
}

async function cancelledEntry(r: Recorder, claim: StepClaim, why: string): Promise<void> {
  await r.append({
    incidentId: claim.incidentId,
    phase: 'containment',
    kind: 'release.cancelled',
    summary: `Release of step ${claim.stepId} stopped: ${why}; the change stays in force`,
    data: { stepId: claim.stepId, claimId: claim.id, action: claim.action, level: releaseStateOf(claim).current.index, reason: why },
  });
}

/** A release that waits for the pause, or is only planned in dry-run mode (the entries a revert on resolve always had). */
async function heldBack(rt: Runtime, claim: StepClaim, timer: EngineTimer, reason: 'paused' | 'mode-dry-run'): Promise<void> {
  rt.metrics.guardDecision(reason);
  const kind = reason === 'paused' ? 'step.blocked' : 'step.planned';
  await record(rt, (r) =>
    r.append({
      incidentId: claim.incidentId,
      phase: 'recovery',
      kind,
      summary: `Revert of step ${claim.stepId} ${reason === 'paused' ? 'waits: automation is paused (it goes on once resumed)' : 'planned, not executed: dry-run mode'}`,
      data: {
        stepId: claim.stepId,
        action: claim.action,
        runId: stateOf(timer).runId,
        claimId: claim.id,
        revert: true,
        decision: { verdict: reason === 'paused' ? 'block' : 'dry-run', reason },
        prior: claim.prior,
        applied: claim.applied,
      },
    }),
  );
}
