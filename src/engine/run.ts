/**
 * One run, from pending to finished (docs/engine.md):
 * - `firing`: releases under way in the incident stop (the change stays in force) and resolved
 *   runs parked on them are pre-empted, then the `on: firing` steps run in order;
 * - `resolved`: first runs of this incident parked on an approval are aborted (the alert they
 *   answered is gone), then the release of every automatic change still in force is scheduled
 *   (release.ts) and the run parks (`waiting-release`) until they are all finished; then the
 *   `on: resolved` steps run in order, seeing the cluster without the containment.
 * A step failing with `onFailure: abort` ends the run; a step waiting for an approval parks it
 * (`waiting-approval`) until the approval is decided or expires. A run whose `preempt` signal
 * fires (a re-fire of the alert) stops at once and ends `aborted`.
 *
 * The run's outcome: `succeeded` when nothing failed; when something failed (a step, or a release
 * that ended in a conflict or an error that cannot be retried), `partial` if the run still
 * changed (or released) something, else `failed`; `blocked` when it changed and planned nothing
 * because a guard blocked a step. After a `resolved` run whose changes are all released and whose
 * steps all succeeded (or were skipped), a resolved incident becomes `recovered`. The runbook's
 * follow-ups become action items after the incident's first run.
 */
import { FirebreakError, toFirebreakError } from '../errors.ts';
import { transitionIncident } from '../incidents/lifecycle.ts';
import type { Incident } from '../model/incident.ts';
import type { Runbook } from '../runbooks/types.ts';
import { inPlace, type EngineRun, type RunStatus } from '../model/engine.ts';
import { templateContext } from './context.ts';
import { runbookNotLoaded, engineError } from './errors.ts';
import { judgeEpisode, NO_EPISODE, openEpisode, settleEpisode, type Episode, type EpisodeJudgement } from './episodes.ts';
import { cancelReleases, scheduleReleases } from './release.ts';
import { record, type Opening, type Recorder, type Runtime } from './runtime.ts';
import { readForStep, runStep, type StepReads } from './step.ts';
import { stepsFor } from './steps.ts';

/** A run just taken, with what the transaction that took it did for a firing run. */
interface Taken {
  run: EngineRun;
  /** Resolved runs parked on releases, aborted (their metrics are counted after the commit). */
  parked: EngineRun[];
  /** The episode, judged (and settled unless it relaxed something); null unless firing with its runbook. */
  episode: EpisodeJudgement | null;
}

/**
 * Takes a pending run (compare-and-set: pending → running); null when another worker has it. A
 * firing run with its runbook loaded also stops the incident's releases under way and judges and
 * settles its episode in the same transaction: one commit (and one fsync) before its first step
 * instead of three, and none of them changes anything outside the store.
 */
async function start(rt: Runtime, runId: number): Promise<Taken | null> {
  return record(rt, (r) => takeRun(rt, r, runId));
}

/** What {@link start} does, inside the caller's transaction. */
async function takeRun(rt: Runtime, r: Recorder, runId: number): Promise<Taken | null> {
  const run = await r.tx.getRun(runId);
  if (run === null || run.status !== 'pending') return null;
  const resumed = run.startedAt !== null;
  // Calls that do not need each other's answers go out together: in serve each is a message to
  // the ingest thread and back, and the thread runs them in the order they were made.
  const [started] = await Promise.all([
    r.tx.updateRun(run.id, { status: 'running', startedAt: run.startedAt ?? r.now, detail: null, ...rt.leases.take(run) }),
    resumed
      ? null
      : r.append({
          incidentId: run.incidentId,
          phase: null,
          kind: 'run.started',
          summary: `Runbook ${run.runbook} started (${run.trigger})`,
          data: { runId: run.id, runbook: run.runbook, trigger: run.trigger, fingerprint: run.alert.fingerprint, notificationId: run.notificationId },
        }),
  ]);
  const runbook = rt.runbooks.get(run.runbook);
  if (run.trigger !== 'firing' || runbook === undefined) return { run: started, parked: [], episode: null };
  // Stopping the releases writes timers and runs; judging the episode reads claims.
  const [parked, episode] = await Promise.all([preemptReleases(r, run), judgeEpisode(rt, started, runbook, r.tx)]);
  if (episode.relaxed.length === 0) await settleEpisode(r, started, runbook, episode, true);
  return { run: started, parked, episode };
}

/** Thrown inside a run's first write when its deferred take cannot go on; that write rolls back. */
class NotTaken extends Error {
  /** `taken`: another worker has the run; `changed`: its episode changed since it was judged. */
  readonly reason: 'taken' | 'changed';
  constructor(reason: 'taken' | 'changed') {
    super(reason === 'taken' ? 'the run was taken by another worker' : 'the episode changed before the run was taken');
    this.reason = reason;
  }
}

/** What of an episode judgement its steps and guards depend on, comparable as a string. */
function episodeKey(judged: EpisodeJudgement): string {
  const steps = [...judged.steps].map(([id, s]) => [id, s.tooEarly, s.reapply?.level.index ?? null, s.reapply?.fromClaim.id ?? null]);
  return JSON.stringify({ loopBroken: judged.loopBroken, relaxed: judged.relaxed.length, escalation: judged.escalation !== null, steps });
}

/** A run whose take waits for its first write, with what its first step reads before it. */
interface Deferred {
  rt: Runtime;
  judged: EpisodeJudgement;
  first: FirstStep;
}

/** The incident and the first step's store reads, read for a deferred take (so the step reads them no more). */
interface FirstStep {
  incident: Incident;
  reads: Promise<StepReads> | undefined;
}

/**
 * A firing run seen pending, new (never started), with its runbook loaded and nothing in its
 * episode to put back or escalate (both act outside the store before the first step): taken in
 * its first write instead of a commit of its own before its first step (docs/storage.md, "The
 * commit model"). Its first step reads, plans and judges while the run is still pending; that
 * step's first write (its claim, or its skip, block, plan or approval) takes the run, stops the
 * incident's releases and settles the episode, judged again inside that transaction: a run
 * another worker took meanwhile, or an episode that changed, rolls it back, and nothing was
 * changed. Null for every other run (taken by {@link start} first).
 */
async function deferTake(rt: Runtime, pending: EngineRun): Promise<Deferred | null> {
  if (pending.status !== 'pending' || pending.startedAt !== null || pending.trigger !== 'firing') return null;
  const runbook = rt.runbooks.get(pending.runbook);
  if (runbook === undefined) return null;
  // The first step's own reads go out with these (one round of store calls, not two).
  const step = stepsFor(runbook, 'firing')[0];
  const reads = step === undefined ? undefined : readForStep(rt, pending, step, pending.incidentId);
  reads?.catch(() => {}); // awaited by the step, or not at all when the run is taken first
  const [incident, judged] = await Promise.all([rt.store.getIncident(pending.incidentId), judgeEpisode(rt, pending, runbook)]);
  if (incident === null || judged.relaxed.length > 0 || judged.escalation !== null) return null;
  let opened: Taken | null = null;
  let taken: Taken | null = null;
  const opening: Opening = {
    get done() {
      return taken !== null;
    },
    async take(r) {
      // One run per incident at a time: on a shared store another replica may have started one
      // of this incident while this one planned (one engine per store keeps that in its worker).
      if (!rt.leases.exclusive && (await r.tx.runs({ incidentId: pending.incidentId, status: ['running'] })).length > 0) throw new NotTaken('taken');
      const now = await takeRun(rt, r, pending.id);
      if (now === null) throw new NotTaken('taken');
      if (now.episode === null || episodeKey(now.episode) !== episodeKey(judged)) throw new NotTaken('changed');
      opened = now;
    },
    taken() {
      if (opened === null) return;
      taken = opened;
      rt.leases.hold(taken.run);
      for (const other of taken.parked) rt.metrics.runFinished(other.runbook, 'aborted');
    },
  };
  return { rt: { ...rt, opening }, judged, first: { incident, reads } };
}

/**
 * Executes a pending run to its end or to a park. While it executes, this engine holds the run's
 * lease (leases.ts); ENGINE_FENCED means another engine took it over and this one stopped.
 * `pending`: the run as the worker just read it, for a take in its first write ({@link deferTake}).
 */
export async function executeRun(rt: Runtime, runId: number, pending?: EngineRun): Promise<void> {
  const deferred = pending === undefined ? null : await deferTake(rt, pending);
  if (deferred !== null && pending !== undefined) {
    try {
      await executeHeld(deferred.rt, pending, deferred.judged, deferred.first);
      return;
    } catch (err) {
      if (!(err instanceof NotTaken)) throw err;
      if (err.reason === 'taken') return;
      // The episode changed: take the run first and judge it again, as any other run.
    } finally {
      rt.leases.drop(runId);
    }
  }
  const taken = await start(rt, runId);
  if (taken === null) return;
  const { run } = taken;
  for (const other of taken.parked) rt.metrics.runFinished(other.runbook, 'aborted');
  rt.leases.hold(run);
  try {
    await executeHeld(rt, run, taken.episode);
  } finally {
    rt.leases.drop(run.id);
  }
}

/** `first`: what was read for a deferred take, so its first step reads it no more. */
async function executeHeld(rt: Runtime, run: EngineRun, judged: EpisodeJudgement | null, first?: FirstStep): Promise<void> {
  const runbook = rt.runbooks.get(run.runbook);
  if (runbook === undefined) {
    await finish(rt, run, 'aborted', runbookNotLoaded(run.runbook));
    return;
  }
  let episode: Episode = NO_EPISODE;
  // Releases were stopped and the episode judged when the run was taken (start).
  if (judged !== null) episode = await openEpisode(rt, run, runbook, judged);
  if (run.trigger === 'resolved') {
    await abortParkedRuns(rt, run);
    if ((await scheduleReleases(rt, run, runbook)) > 0) {
      await record(rt, async (r) => {
        await rt.leases.check(r, run.id);
        await r.tx.updateRun(run.id, { status: 'waiting-release', detail: 'waiting for the release of the incident\'s containment' });
      });
      return;
    }
  }
  let failed: FirebreakError | null = null;
  let blocked = false;
  let allOk = true;
  let fresh = first;
  for (const step of stepsFor(runbook, run.trigger)) {
    const current = fresh !== undefined ? run : ((await rt.store.getRun(run.id)) ?? run);
    const done = current.steps[step.id];
    if (done !== undefined && done.status !== 'waiting-approval') continue;
    if (isPreempted(rt)) return finish(rt, current, 'aborted', preempted());
    if (rt.stop.aborted) return; // left running (or pending): the next start resumes or interrupts it
    const incident = fresh?.incident ?? (await rt.store.getIncident(run.incidentId));
    const reads = fresh?.reads;
    fresh = undefined;
    if (incident === null) return;
    const outcome = await runStep(rt, current, runbook, step, incident, episode, reads);
    if (outcome.status === 'waiting-approval') return;
    if (isPreempted(rt)) return finish(rt, (await rt.store.getRun(run.id)) ?? current, 'aborted', preempted());
    if (outcome.status === 'blocked') blocked = true;
    if (outcome.status !== 'succeeded' && outcome.status !== 'skipped') allOk = false;
    if (outcome.status === 'failed') {
      failed ??= engineError('ENGINE_STEP_FAILED', `step ${step.id} failed (its step.failed entry has the error)`, { details: { step: step.id } });
      if (step.onFailure === 'abort') break;
    }
  }
  const latest = (await rt.store.getRun(run.id)) ?? run;
  const releases = run.trigger === 'resolved' ? await releaseOutcome(rt, run, runbook) : { released: 0, problems: [], inForce: 0 };
  if (releases.problems.length > 0) {
    failed ??= engineError('ENGINE_RELEASE_FAILED', `the release of step ${releases.problems.join(', ')} did not complete (see its revert entries)`, { details: { steps: releases.problems } });
  }
  const didSomething = latest.acted || releases.released > 0;
  const status: RunStatus = failed !== null ? (didSomething ? 'partial' : 'failed') : blocked && !latest.acted ? 'blocked' : 'succeeded';
  await finish(rt, latest, status, failed, runbook, run.trigger === 'resolved' && allOk && failed === null && releases.inForce === 0);
}

/** Read through a function: the signal changes while the run awaits, which narrowing cannot know. */
function isPreempted(rt: Runtime): boolean {
  return rt.preempt?.aborted === true;
}

function preempted(): FirebreakError {
  return engineError('ENGINE_PREEMPTED', 'the alert fired again: this run stopped so the firing run can act');
}

/**
 * How the automatic releases of this runbook in the incident ended: how many changes were
 * released, which steps' releases failed or met a conflict, and how many changes stay in force.
 */
async function releaseOutcome(rt: Runtime, run: EngineRun, runbook: Runbook): Promise<{ released: number; problems: string[]; inForce: number }> {
  const claims = (await rt.store.stepClaims({ incidentId: run.incidentId, runbook: runbook.name })).filter((c) => c.mutating && c.revert === 'on-resolve' && c.status !== 'failed' && c.status !== 'running');
  return {
    released: claims.filter((c) => c.revertStatus === 'reverted').length,
    problems: claims.filter((c) => c.revertStatus === 'failed' || c.revertStatus === 'conflict').map((c) => c.stepId),
    inForce: claims.filter(inPlace).length,
  };
}

/**
 * A firing run starts: the alert fires again, so releases under way in the incident stop (their
 * change stays in force) and resolved runs parked on them end, pre-empted. In the transaction
 * that takes the run; returns the runs aborted.
 */
async function preemptReleases(r: Recorder, run: EngineRun): Promise<EngineRun[]> {
  const [, waiting] = await Promise.all([cancelReleases(r, run.incidentId, 'the alert fires again'), r.tx.runs({ incidentId: run.incidentId, status: ['waiting-release'] })]);
  for (const other of waiting) {
    await r.tx.updateRun(other.id, { status: 'aborted', finishedAt: r.now, detail: 'pre-empted: the alert fired again before the release finished' });
    await r.append({
      incidentId: run.incidentId,
      phase: null,
      kind: 'run.finished',
      summary: `Runbook ${other.runbook} aborted (${other.trigger}): the alert fired again before the release finished`,
      data: { runId: other.id, runbook: other.runbook, trigger: other.trigger, outcome: 'aborted', steps: other.steps, preemptedBy: run.id },
    });
  }
  return waiting;
}

async function finish(rt: Runtime, run: EngineRun, status: RunStatus, error: FirebreakError | null, runbook?: Runbook, recovered = false): Promise<void> {
  await record(rt, async (r) => {
    await rt.leases.check(r, run.id);
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
