/**
 * Episodes and the loop breaker (docs/engine.md "Episodes"): what a firing run must settle before
 * its steps run, from the changes its runbook made for the incident group (every incident of the
 * same key).
 *
 * - **Released too early.** The alert fires again within the episode window after firebreak
 *   released a containment change (its own release: `revertedBy: engine`): the release caused
 *   the re-fire. The step re-applies the last level that held (level 0 unless a gradual release
 *   had relaxed it), cooldown and rate limit notwithstanding (guard reason `released-too-early`),
 *   and the new change remembers it (`releaseState.tooEarly`): its next release waits twice as
 *   long per early release. A change still in force but relaxed by a gradual release goes back
 *   to the last level that held at once. Either is a `release.too-early` entry.
 * - **Loop breaker.** When the group was contained and released by firebreak `cycles` times
 *   within the loop window, firebreak stops automating it: the safe level is (re-)applied and
 *   held (`releaseState.hold`: never released automatically), no other change runs (guard
 *   `loop-breaker`), and it escalates once (`incident.escalated`, reason `loop-breaker`). A
 *   person reverts by hand when it is safe, closes the incident, or lifts the hold (hold.ts:
 *   hand back or clear), after which the cycles are counted again from that moment.
 * - A change that is still in force keeps its incident `contained` when the alert re-opens it.
 */
import type { Action } from '../actions/types.ts';
import { formatDuration } from '../core/duration.ts';
import type { Runbook, RunbookStep } from '../runbooks/types.ts';
import { transitionIncident } from '../incidents/lifecycle.ts';
import { inPlace, type EngineRun, type ReleaseLevel, type StepClaim } from '../model/engine.ts';
import { recordEscalation, sendEscalation, type Escalation } from './escalate.ts';
import { changeLevel, LEVEL_ZERO, liftedAt, recordOf, releaseStateOf } from './levels.ts';
import { record, type Recorder, type Runtime } from './runtime.ts';
import type { StoreTx } from '../store/types.ts';
import { engineLimits } from './settings.ts';
import { engineError } from './errors.ts';

/** What the episode says about one containment step of the run. */
export interface EpisodeStep {
  /** Re-apply this level of the change `fromClaim` firebreak released too early. */
  reapply: { level: ReleaseLevel; fromClaim: StepClaim } | null;
  /** Re-fires firebreak's releases caused so far in this episode, this one included. */
  tooEarly: number;
}

export interface Episode {
  steps: ReadonlyMap<string, EpisodeStep>;
  /** The loop breaker holds this incident: no new change, the safe level stays in force. */
  loopBroken: boolean;
}

export const NO_EPISODE: Episode = { steps: new Map(), loopBroken: false };

/** The windows in force for this runbook: its policy over the engine's settings. */
export function episodeSettings(rt: Pick<Runtime, 'config'>, runbook: Runbook): { windowMs: number; cycles: number; loopWindowMs: number } {
  const limits = engineLimits(rt.config);
  return {
    windowMs: runbook.policy.episodeWindowMs ?? limits.episodeWindowMs,
    cycles: runbook.policy.loopBreakerCycles ?? limits.loopBreakerCycles,
    loopWindowMs: runbook.policy.loopBreakerWindowMs ?? limits.loopBreakerWindowMs,
  };
}

/** Containment steps whose change firebreak releases itself. */
function containmentSteps(runbook: Runbook): RunbookStep[] {
  return runbook.steps.filter((s) => s.on === 'firing' && s.mutating && s.revert === 'on-resolve');
}

/** Released by firebreak itself (a resolve, a release, a maxDuration), when. */
function releasedByEngineAt(claim: StepClaim): number | null {
  return claim.revertStatus === 'reverted' && claim.revertedBy === 'engine' && claim.revertedAt !== null ? Date.parse(claim.revertedAt) : null;
}

/** What the claims say of the episode, before anything is written (see {@link judgeEpisode}). */
export interface EpisodeJudgement extends Episode {
  /** Changes a gradual release had relaxed: back to the last level that held (Kafka, then a record). */
  relaxed: Array<{ claim: StepClaim; to: ReleaseLevel }>;
  escalation: Escalation | null;
  /** The run's incident's claims of this runbook, as read for the judgement (settleEpisode in the same transaction reads them no more). */
  incidentClaims: StepClaim[];
}

/**
 * Judges the episode of a firing run from its runbook's claims in the incident group. Reads only
 * (through `tx` when given, so it can share the transaction that takes the run).
 */
export async function judgeEpisode(rt: Runtime, run: EngineRun, runbook: Runbook, tx: Pick<StoreTx, 'stepClaims'> = rt.store): Promise<EpisodeJudgement> {
  const now = rt.clock.now();
  const settings = episodeSettings(rt, runbook);
  // The group's claims hold the incident's own: every run of an incident carries its key.
  const read = await tx.stepClaims({ runbook: runbook.name, groupKey: run.groupKey });
  const claims = read.filter((c) => c.mutating && c.status === 'succeeded');
  // A person who lifted a hold (hold.ts) starts the count again.
  const since = liftedAt(claims);
  const cycles = claims.filter((c) => {
    const at = releasedByEngineAt(c);
    return at !== null && now - at <= settings.loopWindowMs && at > since;
  }).length;
  const mine = claims.filter((c) => c.incidentId === run.incidentId);
  const held = mine.some((c) => releaseStateOf(c).hold === 'loop-breaker');
  const tripping = !held && cycles >= settings.cycles;
  const loopBroken = held || tripping;

  const steps = new Map<string, EpisodeStep>();
  const relaxed: Array<{ claim: StepClaim; to: ReleaseLevel }> = [];
  for (const step of containmentSteps(runbook)) {
    const latest = claims.filter((c) => c.stepId === step.id).at(-1);
    if (latest === undefined) continue;
    const release = releaseStateOf(latest);
    if (inPlace(latest)) {
      if (latest.incidentId !== run.incidentId) continue;
      const back = release.held ?? LEVEL_ZERO;
      if (release.current.index > back.index) relaxed.push({ claim: latest, to: back });
      steps.set(step.id, { reapply: null, tooEarly: release.tooEarly + (release.current.index > back.index ? 1 : 0) });
      continue;
    }
    const at = releasedByEngineAt(latest);
    if (at === null) continue;
    const ago = now - at;
    if (ago <= settings.windowMs || (loopBroken && ago <= settings.loopWindowMs)) {
      steps.set(step.id, { reapply: { level: release.held ?? LEVEL_ZERO, fromClaim: latest }, tooEarly: release.tooEarly + 1 });
    }
  }

  const escalation: Escalation | null = tripping
    ? {
        incidentId: run.incidentId,
        reason: 'loop-breaker',
        phase: 'containment',
        summary: `${runbook.name} contained and released this group ${cycles} times within ${formatDuration(settings.loopWindowMs)}: firebreak stops automating it; the last level that held stays in force until a person reverts it (firebreak revert) or closes the incident`,
        data: { runbook: runbook.name, groupKey: run.groupKey, cycles, windowMs: settings.loopWindowMs, threshold: settings.cycles },
      }
    : null;
  return { steps, loopBroken, relaxed, escalation, incidentClaims: read.filter((c) => c.incidentId === run.incidentId) };
}

/**
 * Records what the episode decided, in the caller's transaction: early releases and the hold on
 * the claims in force, the loop breaker's escalation, and `contained` while a change is in force.
 * `sameTransaction`: judged in this very transaction, so the claims it read are current.
 */
export async function settleEpisode(r: Recorder, run: EngineRun, runbook: Runbook, judged: EpisodeJudgement, sameTransaction = false): Promise<void> {
  const { steps, loopBroken, escalation } = judged;
  // One read serves both: a release state written below does not change which claims are in place.
  const claims = sameTransaction ? judged.incidentClaims : await r.tx.stepClaims({ incidentId: run.incidentId, runbook: runbook.name });
  for (const claim of claims) {
    if (!inPlace(claim) || claim.revert !== 'on-resolve') continue;
    const release = releaseStateOf(claim);
    const tooEarly = steps.get(claim.stepId)?.tooEarly ?? release.tooEarly;
    if (release.tooEarly !== tooEarly || (loopBroken && release.hold === null)) {
      await r.tx.setReleaseState(claim.id, { ...release, tooEarly, hold: loopBroken ? 'loop-breaker' : release.hold });
    }
  }
  if (escalation !== null) await recordEscalation(r, escalation);
  const inForce = claims.find((c) => inPlace(c) && c.revert === 'on-resolve');
  if (inForce === undefined) return;
  const incident = await r.tx.getIncident(run.incidentId);
  if (incident?.status === 'open') {
    await transitionIncident(r.tx, incident.id, 'contained', r.now, 'engine', `Contained: step ${inForce.stepId} is still in force`, { stepId: inForce.stepId, runId: run.id });
  }
}

/**
 * Settles the episode at the start of a firing run (see the module comment). `judged`: already
 * judged, and settled too when it relaxed nothing (run.ts does both in the transaction that takes
 * the run); otherwise relaxed changes go back first (a Kafka call each), then it is settled.
 */
export async function openEpisode(rt: Runtime, run: EngineRun, runbook: Runbook, judged?: EpisodeJudgement): Promise<Episode> {
  const episode = judged ?? (await judgeEpisode(rt, run, runbook));
  if (judged === undefined || episode.relaxed.length > 0) {
    for (const { claim, to } of episode.relaxed) await stepBack(rt, claim, to);
    await record(rt, (r) => settleEpisode(r, run, runbook, episode));
  }
  if (episode.escalation !== null) await sendEscalation(rt, episode.escalation);
  return { steps: episode.steps, loopBroken: episode.loopBroken };
}

/** A change a gradual release had relaxed goes back to the last level that held: the relax came too early. */
async function stepBack(rt: Runtime, claim: StepClaim, to: ReleaseLevel): Promise<void> {
  const from = releaseStateOf(claim).current;
  const change = await changeLevel(rt, claim, from, to);
  const failed = change.ok ? null : 'busy' in change ? 'someone is changing it right now' : `${change.error.code}: ${change.error.message}`;
  await record(rt, (r) =>
    r.append({
      incidentId: claim.incidentId,
      phase: 'containment',
      kind: 'release.too-early',
      summary:
        failed === null
          ? `The alert fires again while step ${claim.stepId} was being released: relaxed too early; back to level ${to.index}, the last level that held`
          : `The alert fires again while step ${claim.stepId} was being released (level ${from.index}); going back to level ${to.index} failed: ${failed}`,
      data: { stepId: claim.stepId, claimId: claim.id, action: claim.action, from: from.index, to: to.index, tooEarly: releaseStateOf(claim).tooEarly + 1, error: failed, changes: change.ok && change.outcome.status === 'reverted' ? change.outcome.changes : [] },
    }),
  );
}

/**
 * The action a re-application runs instead of the step's own when the last level that held is a
 * relaxed one: that level is set with the action's revert, from the prior state the released
 * change recorded (so only where the live value is still that prior state), and the new change
 * records the same prior and applied records with the level in force. Level 0 is the step's
 * own execute.
 */
export function reapplyAction(action: Action, reapply: NonNullable<EpisodeStep['reapply']>): Action {
  if (reapply.level.index === 0 || action.revert === undefined) return action;
  const revert = action.revert.bind(action);
  const old = reapply.fromClaim;
  return {
    ...action,
    // This execute is a revert, which does not wait for ctx.beforeChange: it starts after the claim.
    readsBeforeClaim: false,
    async execute(ctx) {
      const outcome = await revert(ctx, old.params, { prior: recordOf(old, reapply.level), applied: old.prior });
      if (outcome.status === 'conflict') {
        throw engineError('ENGINE_REAPPLY_CONFLICT', `the state changed since step ${old.stepId} was released: ${outcome.conflicts.map((c) => `${c.resource} ${c.key} is ${String(c.actual ?? 'unset')}`).join('; ')}; not re-applied`, {
          details: { step: old.stepId, conflicts: outcome.conflicts },
        });
      }
      const changes = outcome.status === 'reverted' ? outcome.changes : [];
      return { output: { reappliedLevel: reapply.level.index, fromClaim: old.id }, prior: old.prior, applied: old.applied, changes };
    },
  };
}
