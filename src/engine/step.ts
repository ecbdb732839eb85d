/**
 * One step of a run: evaluate it (when, params, plan, guards), record the decision, and for a
 * `run` verdict claim it, execute it and record the result, each record in one transaction with
 * the run's progress, so the timeline, the claim and the run never disagree after a crash.
 *
 * Timeline entries (data always has `stepId`, `action`, `runId`, and `decision` once decided):
 * - `step.skipped` / `step.blocked`: the guard's verdict (`decision.reason`, `decision.detail`);
 * - `step.planned`: dry-run, with the rendered `params` and the `plan` (nothing changed);
 * - `approval.requested`: the step waits for a responder (`expiresAt`); the run parks;
 * - `step.started`: claimed, with `params` and, for changes, the `plan` whose `from` values are
 *   the live state before the change (what an operator restores by hand after a crash);
 * - `step.succeeded`: `output`, `durationMs`, `attempts`, and for changes `prior`, `applied`,
 *   `changes`; `step.failed`: `error` (`code`, `message`, `retriable`), `durationMs`, `attempts`.
 */
import type { Plan } from '../actions/types.ts';
import { FirebreakError, toFirebreakError } from '../errors.ts';
import { transitionIncident } from '../incidents/lifecycle.ts';
import type { Incident } from '../model/incident.ts';
import { toIso } from '../incidents/normalize.ts';
import type { TemplateContext } from '../runbooks/template.ts';
import { DEFAULT_APPROVAL_TIMEOUT_MS, type Runbook, type RunbookStep } from '../runbooks/types.ts';
import type { AutomationState, EngineRun, ReleaseSpec, ReleaseState, StepClaim } from '../model/engine.ts';
import type { AlertStateCounts } from '../store/types.ts';
import type { GuardHistory } from './guards.ts';
import { formatDuration } from '../core/duration.ts';
import { templateContext } from './context.ts';
import { evaluateStep, type StepEvaluation } from './evaluate.ts';
import { executeStep, withTimeout } from './execute.ts';
import type { GuardDecision } from './guards.ts';
import { engineError, stepTimeout } from './errors.ts';
import { NO_EPISODE, reapplyAction, type Episode, type EpisodeStep } from './episodes.ts';
import { guardHistory } from './history.ts';
import { LEVEL_ZERO } from './levels.ts';
import { scheduleMaxDuration } from './max-duration.ts';
import { actionContext, record, type Recorder, type Runtime } from './runtime.ts';
import { startVerification } from './verify.ts';
import { actionLimits, engineLimits, guardSettings } from './settings.ts';

/** How a step ended, as far as the run is concerned. */
export interface StepOutcome {
  /** The status later templates see (`steps.<id>.status`); `waiting-approval` parks the run. */
  status: 'succeeded' | 'failed' | 'skipped' | 'blocked' | 'dry-run' | 'waiting-approval';
  /** True when the step executed or planned a change. */
  acted: boolean;
}

function errorData(error: FirebreakError): Record<string, unknown> {
  return { code: error.code, message: error.message, retriable: error.retriable, ...(error.details === undefined ? {} : { details: error.details }) };
}

function decisionData(decision: GuardDecision): Record<string, unknown> {
  return { verdict: decision.verdict, reason: decision.reason, detail: decision.detail };
}

/**
 * Saves the step's state on the run, in the same transaction as its timeline entry; ENGINE_FENCED
 * (nothing written) when another engine took the run over meanwhile.
 */
async function saveState(rt: Runtime, r: Recorder, run: EngineRun, stepId: string, status: string, output: unknown, acted: boolean): Promise<EngineRun> {
  const current = (await rt.leases.check(r, run.id)) ?? (await r.tx.getRun(run.id)) ?? run;
  return r.tx.updateRun(run.id, { steps: { ...current.steps, [stepId]: { status, output } }, acted: current.acted || acted });
}

/** What a step's guards read from the store before it plans. */
export interface StepReads {
  history: GuardHistory;
  automation: AutomationState;
  states: AlertStateCounts;
}

/** The store reads of {@link runStep}, side by side; run.ts starts them early for a run it has not taken yet. */
export async function readForStep(rt: Runtime, run: EngineRun, step: RunbookStep, incidentId: string): Promise<StepReads> {
  const [history, automation, states] = await Promise.all([guardHistory(rt.store, { run, step, now: rt.clock.now() }), rt.store.automation(), rt.store.alertStateCounts(incidentId)]);
  return { history, automation, states };
}

/** `reads`: the step's store reads, started before (readForStep); read now when absent. */
export async function runStep(rt: Runtime, run: EngineRun, runbook: Runbook, step: RunbookStep, incident: Incident, episode: Episode = NO_EPISODE, reads?: Promise<StepReads>): Promise<StepOutcome> {
  const logger = rt.logger.child({ incidentId: incident.id, runId: run.id, step: step.id });
  const now = rt.clock.now();
  const limits = actionLimits(rt.config, runbook.policy);
  const timeoutMs = step.timeoutMs ?? engineLimits(rt.config).stepTimeoutMs;
  const { history, automation, states } = await (reads ?? readForStep(rt, run, step, incident.id));
  // The alert's state now, not when the run was asked for: a run that waited may find it resolved.
  // Counted from the current states (an index range), not the incident's whole alert history.
  const alertFiring = states.firing > 0;
  const inEpisode = episode.steps.get(step.id);
  const context = templateContext({ incident, alert: run.alert, steps: run.steps, params: runbook.params, trigger: run.trigger });
  const evaluation = await evaluateStep(
    {
      registry: rt.registry,
      templates: rt.templates,
      // Planning reads the live state: a retriable failure there is retried like one in execute.
      plan: (action, params) =>
        retried(rt, step, () =>
          withTimeout((signal) => action.plan(actionContext(rt, limits, signal, logger), params), timeoutMs, () => stepTimeout(step.id, step.action, timeoutMs, false), rt.stop),
        ),
    },
    {
      runbook,
      step,
      context,
      facts: {
        runId: String(run.id),
        incident: { id: incident.id, status: incident.status },
        history,
        trigger: run.trigger,
        alertFiring,
        episode: { reapply: inEpisode?.reapply != null, tooEarly: inEpisode?.tooEarly ?? 0, loopBroken: episode.loopBroken },
        now,
        settings: guardSettings(rt.config, automation),
      },
    },
  );
  const base = { stepId: step.id, action: step.action, runId: run.id, runbook: runbook.name };
  if (evaluation.error !== null || evaluation.decision === null) {
    const error = evaluation.error as FirebreakError;
    await record(rt, async (r) => {
      await r.append({ incidentId: incident.id, phase: step.phase, kind: 'step.failed', summary: `Step ${step.id} failed: ${error.message}`, data: { ...base, error: errorData(error) } });
      await saveState(rt, r, run, step.id, 'failed', null, false);
    });
    return { status: 'failed', acted: false };
  }
  const decision = evaluation.decision;
  rt.metrics.guardDecision(decision.reason);
  const decided = { ...base, decision: decisionData(decision), params: evaluation.params };
  switch (decision.verdict) {
    case 'skip':
    case 'block': {
      const kind = decision.verdict === 'skip' ? 'step.skipped' : 'step.blocked';
      const status = decision.verdict === 'skip' ? 'skipped' : 'blocked';
      // A step blocked because its plan failed names the error, not only the reason.
      const why = evaluation.planError === null ? '' : ` (${evaluation.planError.code}: ${evaluation.planError.message})`;
      await record(rt, async (r) => {
        await r.append({ incidentId: incident.id, phase: step.phase, kind, summary: `Step ${step.id} ${status}: ${decision.detail}${why}`, data: { ...decided, ...planData(evaluation) } });
        await saveState(rt, r, run, step.id, status, null, false);
      });
      return { status, acted: false };
    }
    case 'dry-run':
      await record(rt, async (r) => {
        await r.append({
          incidentId: incident.id,
          phase: step.phase,
          kind: 'step.planned',
          summary: `Step ${step.id} planned, not executed: ${evaluation.plan?.summary ?? step.action}`,
          data: { ...decided, ...planData(evaluation) },
        });
        await saveState(rt, r, run, step.id, 'dry-run', null, true);
      });
      return { status: 'dry-run', acted: true };
    case 'wait-approval':
      return requestApproval(rt, run, runbook, step, incident, evaluation, decided);
    case 'run': {
      let release: ReleaseSpec | null;
      try {
        release = renderRelease(rt, step, context);
      } catch (err) {
        const error = toFirebreakError(err);
        await record(rt, async (r) => {
          await r.append({ incidentId: incident.id, phase: step.phase, kind: 'step.failed', summary: `Step ${step.id} failed: ${error.message}`, data: { ...decided, error: errorData(error) } });
          await saveState(rt, r, run, step.id, 'failed', null, false);
        });
        return { status: 'failed', acted: false };
      }
      const executing = execute(rt, run, runbook, step, incident, evaluation, decided, {
        limits,
        timeoutMs,
        logger,
        release,
        // A responder approved this step of a runbook that accepts data loss on approval.
        acknowledged: runbook.policy.onDataLoss === 'approve' && history.approval?.state === 'granted' ? ['data-loss'] : [],
        episode: inEpisode ?? null,
        loopBroken: episode.loopBroken,
      });
      try {
        return await executing;
      } catch (err) {
        if (!(err instanceof RefusedNow)) throw err;
        // Paused or closed while the step planned: nothing was claimed or changed. Judged again
        // from fresh reads, so the guards record the decision not to act, with its reason.
        const fresh = await rt.store.getIncident(incident.id);
        if (fresh === null) return { status: 'skipped', acted: false };
        return runStep(rt, run, runbook, step, fresh, episode);
      }
    }
  }
}

/** The claim found the step refused by a fact read before its plan (paused, incident closed): its transaction rolls back. */
class RefusedNow extends Error {}

/**
 * The facts of the guards that stop a step, read again inside its claim's transaction: a pause
 * or a close committed while the step planned (broker reads take milliseconds) must stop it.
 */
async function refusedNow(r: Recorder, incidentId: string, mutating: boolean): Promise<boolean> {
  const [incident, automation] = await Promise.all([r.tx.getIncident(incidentId), mutating ? r.tx.automation() : null]);
  return incident === null || incident.status === 'closed' || automation?.paused === true;
}

/**
 * `work` with the step's retries for retriable errors (`retries.count` more attempts, the first
 * after `retries.backoff`, doubling), as execute.ts does for the execution. The last error is
 * thrown with the number of attempts in its details.
 */
async function retried<T>(rt: Runtime, step: RunbookStep, work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const error = toFirebreakError(err);
      if (!error.retriable || attempt > step.retries.count || rt.stop.aborted) {
        throw attempt === 1 ? error : new FirebreakError(error.code, `${error.message} (after ${attempt} attempts)`, { retriable: error.retriable, statusCode: error.statusCode, cause: error, details: { ...error.details, attempts: attempt } });
      }
      await rt.sleep(step.retries.backoffMs * 2 ** (attempt - 1), rt.stop);
    }
  }
}

function preemptedError(stepId: string, cause: FirebreakError): FirebreakError {
  return new FirebreakError('ENGINE_PREEMPTED', `step ${stepId} stopped: the alert fired again, and the firing run acts instead`, { statusCode: 409, cause, details: { step: stepId, cause: cause.code } });
}

/** A re-application of a change firebreak released too early, on the timeline with the step's success. */
async function tooEarlyEntry(r: Recorder, claim: StepClaim, reapply: NonNullable<EpisodeStep['reapply']>, tooEarly: number, now: string): Promise<void> {
  const released = reapply.fromClaim.revertedAt ?? now;
  const after = formatDuration(Math.max(0, Date.parse(now) - Date.parse(released)));
  await r.append({
    incidentId: claim.incidentId,
    phase: 'containment',
    kind: 'release.too-early',
    summary: `The alert fired again ${after} after firebreak released step ${claim.stepId}: released too early; level ${reapply.level.index}, the last level that held, is back in force, and its next release waits ${2 ** tooEarly}x longer`,
    data: { stepId: claim.stepId, claimId: claim.id, action: claim.action, fromClaimId: reapply.fromClaim.id, releasedAt: reapply.fromClaim.revertedAt, level: reapply.level.index, tooEarly },
  });
}

/**
 * What `ctx.beforeChange` waits for: the claim durable. A claim another worker holds, or one the
 * store could not write, stops the change (not retriable: the claim will not appear).
 */
function claimGate(claiming: Promise<StepClaim | null>, stepId: string): () => Promise<void> {
  const gate = claiming.then(
    (claim) => {
      if (claim === null) throw engineError('ENGINE_NOT_CLAIMED', `step ${stepId} is claimed elsewhere; this execution changes nothing`, { details: { step: stepId } });
    },
    (err: unknown) => {
      throw engineError('ENGINE_NOT_CLAIMED', `the claim of step ${stepId} could not be recorded; nothing is changed`, { cause: err, details: { step: stepId } });
    },
  );
  // Awaited by the action, or never (an action that failed before it changes anything).
  gate.catch(() => {});
  return () => gate;
}

/** The step's release as the claim keeps it: the condition's query rendered now (mutating steps only). */
function renderRelease(rt: Runtime, step: RunbookStep, context: TemplateContext): ReleaseSpec | null {
  if (!step.mutating) return null;
  const condition = step.release.condition;
  if (condition === null) return step.release;
  const query = String(rt.templates.render(condition.query, context, `step "${step.id}" release.condition.query`));
  return { ...step.release, condition: { ...condition, query } };
}

function planData(evaluation: StepEvaluation): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (evaluation.plan !== null) out.plan = evaluation.plan;
  if (evaluation.planError !== null) out.planError = errorData(evaluation.planError);
  return out;
}

async function requestApproval(
  rt: Runtime,
  run: EngineRun,
  runbook: Runbook,
  step: RunbookStep,
  incident: Incident,
  evaluation: StepEvaluation,
  decided: Record<string, unknown>,
): Promise<StepOutcome> {
  await record(rt, async (r) => {
    const [existing] = await r.tx.approvals({ runId: run.id, stepId: step.id });
    if (existing === undefined) {
      const expiresAt = toIso(Date.parse(r.now) + (step.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS));
      const approval = await r.tx.requestApproval({
        incidentId: incident.id,
        runId: run.id,
        runbook: runbook.name,
        stepId: step.id,
        action: step.action,
        params: evaluation.params ?? {},
        plan: evaluation.plan,
        requestedAt: r.now,
        expiresAt,
      });
      await r.append({
        incidentId: incident.id,
        phase: step.phase,
        kind: 'approval.requested',
        summary: `Step ${step.id} needs an approval (until ${expiresAt}): ${evaluation.plan?.summary ?? step.action}`,
        data: { ...decided, ...planData(evaluation), approvalId: approval.id, expiresAt },
      });
    }
    await saveState(rt, r, run, step.id, 'waiting-approval', null, false);
    await r.tx.updateRun(run.id, { status: 'waiting-approval', detail: `waiting for the approval of step ${step.id}` });
  });
  return { status: 'waiting-approval', acted: false };
}

async function execute(
  rt: Runtime,
  run: EngineRun,
  runbook: Runbook,
  step: RunbookStep,
  incident: Incident,
  evaluation: StepEvaluation,
  decided: Record<string, unknown>,
  options: {
    limits: ReturnType<typeof actionLimits>;
    timeoutMs: number;
    logger: Runtime['logger'];
    release: ReleaseSpec | null;
    acknowledged: ReadonlyArray<'data-loss'>;
    episode: EpisodeStep | null;
    loopBroken: boolean;
  },
): Promise<StepOutcome> {
  const reapply = options.episode?.reapply ?? null;
  const planner = rt.registry.get(step.action);
  const action = reapply === null ? planner : reapplyAction(planner, reapply);
  const tooEarly = options.episode?.tooEarly ?? 0;
  const releaseState: ReleaseState | null =
    action.mutating && (reapply !== null || tooEarly > 0 || options.loopBroken)
      ? { current: reapply?.level ?? LEVEL_ZERO, pending: null, held: reapply?.level ?? null, tooEarly, hold: options.loopBroken ? 'loop-breaker' : null }
      : null;
  const params = evaluation.params ?? {};
  const plan: Plan | null = evaluation.plan;
  const claiming = record(rt, async (r) => {
    await rt.leases.check(r, run.id);
    if (await refusedNow(r, incident.id, action.mutating)) throw new RefusedNow(`step ${step.id} is refused now`);
    const claimed = await r.tx.claimStep({
      incidentId: incident.id,
      runbook: runbook.name,
      groupKey: run.groupKey,
      stepId: step.id,
      trigger: run.trigger,
      episode: run.episode,
      runId: run.id,
      action: step.action,
      mutating: action.mutating,
      revert: step.revert,
      release: options.release,
      releaseState,
      params,
      plan,
      claimedAt: r.now,
    });
    if (claimed === null) {
      // Another worker or a replay of the same episode has it: not ours to run or to report.
      await saveState(rt, r, run, step.id, 'skipped', null, false);
      return null;
    }
    await r.append({
      incidentId: incident.id,
      phase: step.phase,
      kind: 'step.started',
      summary: `Step ${step.id} started: ${reapply === null || reapply.level.index === 0 ? (plan?.summary ?? step.action) : `re-applying level ${reapply.level.index} of step ${step.id}, the last level that held`}`,
      data: { ...decided, ...planData(evaluation), claimId: claimed.id },
    });
    return claimed;
  });
  const started = process.hrtime.bigint();
  const attempt = (beforeChange?: () => Promise<void>) =>
    executeStep({
      action,
      step,
      params,
      context: (signal) => ({
        ...actionContext(rt, options.limits, signal, options.logger),
        acknowledged: options.acknowledged,
        ...(beforeChange === undefined ? {} : { beforeChange }),
        // The plan just made for this step by the action that executes (the claim records it): its
        // reads may serve as the prior state.
        ...(plan === null || action !== planner ? {} : { planned: plan }),
      }),
      timeoutMs: options.timeoutMs,
      plan,
      sleep: rt.sleep,
      stop: rt.stop,
    });
  // An action that waits for `beforeChange` reads (its prior state) while the claim commits; any
  // other starts once the claim is durable. Either way nothing changes before it is.
  const early = action.readsBeforeClaim === true && action.mutating ? attempt(claimGate(claiming, step.id)) : null;
  let claim: StepClaim | null;
  try {
    claim = await claiming;
  } catch (err) {
    await early;
    throw err;
  }
  if (claim === null) {
    await early;
    options.logger.debug('step already claimed for this episode; skipped');
    return { status: 'skipped', acted: false };
  }
  const outcome = await (early ?? attempt());
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const durationMs = Math.round(seconds * 1000);
  rt.metrics.stepFinished(step.action, outcome.ok ? 'succeeded' : 'failed', seconds);
  const base = { ...decided, claimId: claim.id, attempts: outcome.attempts, durationMs };
  await record(rt, async (r) => {
    if (outcome.ok) {
      const { result } = outcome;
      const finished = await r.tx.finishStep(claim.id, { status: 'succeeded', finishedAt: r.now, output: result.output ?? null, prior: result.prior ?? null, applied: result.applied ?? null, error: null });
      if (action.mutating) await scheduleMaxDuration(r, finished, result.holdLimit);
      await r.append({
        incidentId: incident.id,
        phase: step.phase,
        kind: 'step.succeeded',
        summary: `Step ${step.id} succeeded${plan === null ? '' : `: ${plan.summary}`}`,
        data: {
          ...base,
          output: result.output ?? null,
          ...(action.mutating ? { prior: result.prior ?? null, applied: result.applied ?? null, changes: result.changes ?? plan?.changes ?? [] } : {}),
          ...(result.holdLimit === undefined ? {} : { holdLimit: result.holdLimit }),
        },
      });
      await saveState(rt, r, run, step.id, 'succeeded', result.output ?? null, action.mutating);
      if (reapply !== null) await tooEarlyEntry(r, finished, reapply, tooEarly, r.now);
      const current = await r.tx.getIncident(incident.id);
      if (action.mutating && step.phase === 'containment' && current?.status === 'open') {
        await transitionIncident(r.tx, incident.id, 'contained', r.now, 'engine', `Contained by step ${step.id} of ${runbook.name}`, { stepId: step.id, runId: run.id });
      }
    } else {
      // A re-fire aborted the run (run.ts): say so rather than the action's own abort error.
      const error = rt.preempt?.aborted === true ? preemptedError(step.id, outcome.error) : outcome.error;
      options.logger.warn({ err: error, attempts: outcome.attempts }, 'step failed');
      await r.tx.finishStep(claim.id, { status: 'failed', finishedAt: r.now, output: null, prior: null, applied: null, error: `${error.code}: ${error.message}` });
      await r.append({ incidentId: incident.id, phase: step.phase, kind: 'step.failed', summary: `Step ${step.id} failed: ${error.message}`, data: { ...base, error: errorData(error) } });
      await saveState(rt, r, run, step.id, 'failed', null, action.mutating);
    }
  });
  if (outcome.ok && action.verify !== undefined) {
    startVerification(rt, { incidentId: incident.id, step, runId: run.id, claimId: claim.id, action, params, result: outcome.result, limits: options.limits, logger: options.logger });
  }
  return { status: outcome.ok ? 'succeeded' : 'failed', acted: action.mutating };
}
