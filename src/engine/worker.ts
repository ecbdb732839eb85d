/**
 * The engine's worker: takes pending runs and due timers from the store (the store is the queue,
 * as for notifications), at most one job at a time per incident (a run, or a timer of the
 * incident: a release check, a revert retry) and `concurrency` jobs at once, runs before timers,
 * in request (due) order. {@link EngineWorker.kick} wakes it; nothing is lost when a kick is
 * missed, since every start and every finished job looks at the store again, and `serve` kicks
 * it every `engine.timerPollMs` for timers that fall due.
 *
 * Pre-emption: a pending firing run of an incident whose resolved run is executing (its recovery
 * steps can take minutes) aborts that run instead of waiting behind it.
 *
 * Take-over ({@link EngineWorker.recover}), at start-up before anything runs, and every half
 * lease on a store shared by several engines: a run left `running` by an engine whose lease ran
 * out (leases.ts; with one engine per store, every run left running at start):
 * - with a step claimed but not finished is `interrupted`: the step's effect is unknown, so
 *   neither it nor the rest of the run is executed again (`run.interrupted` on the timeline,
 *   with the step's plan and parameters for an operator);
 * - between two steps is resumed from the next step, by whichever engine takes it.
 * Either way its fence is raised, so the engine that lost it can no longer write it.
 * A revert left `reverting` is marked failed and tried again by a durable retry (reverts compare
 * live values, so trying again is safe), unless a release timer already owns it: at start with
 * one engine per store, otherwise once it has been `reverting` longer than a lease plus the step
 * timeout, which no live revert outlasts. A resolved run parked on releases that all finished
 * meanwhile is requeued. Timers need nothing: one left running by a dead engine is claimed again
 * once its own lease ends.
 *
 * Approvals expire in {@link EngineWorker.tick} (every `tickMs` in `serve`, by hand in tests).
 *
 * Storm control: at most `maxRunStartsPerMinute` runs start in any minute; the others stay
 * pending, in order, until the minute allows them (src/incidents/storm.ts caps the incidents).
 */
import { toFirebreakError } from '../errors.ts';
import type { AlertStatus } from '../model/incident.ts';
import { toIso } from '../incidents/normalize.ts';
import type { EngineRun, EngineTimer } from '../model/engine.ts';
import { scheduleRevertRetry } from './release.ts';
import { record, type Runtime } from './runtime.ts';
import { engineLimits } from './settings.ts';
import { executeRun } from './run.ts';
import { runTimer, type TimerKinds } from './timers.ts';

/** What executes for an incident (or a timer of no incident) right now. */
type Job = { kind: 'run'; trigger: AlertStatus; preempt: AbortController; work: Promise<void> } | { kind: 'timer'; work: Promise<void> };

/** Due timers read per look at the store. */
const DUE_BATCH = 100;
/** Run ids remembered as failed at most (see EngineWorker's failed runs). */
const FAILED_RUNS_KEPT = 1_000;

export class EngineWorker {
  readonly #rt: Runtime;
  readonly #timers: TimerKinds;
  readonly #concurrency: number;
  /** Incident id (or `timer:<id>` for a timer of no incident) → the job executing for it. */
  readonly #active = new Map<string, Job>();
  #filling: Promise<void> | null = null;
  #again = false;
  #closed = false;
  /** Kicks wait for {@link open}: nothing starts before the start-up recovery is done. */
  #open = false;
  /** When the runs of the last minute started (ms), for maxRunStartsPerMinute. */
  readonly #starts: number[] = [];
  /**
   * Runs whose last attempt here failed unexpectedly (a store that cannot write, for one). They
   * are taken in a commit of their own before their first step ({@link executeRun} without the
   * pending run), so a retry against a store that still cannot write fails there, before the
   * step's plan reads the cluster. Bounded: cleared when it reaches {@link FAILED_RUNS_KEPT}.
   */
  readonly #failedRuns = new Set<number>();
  #later: NodeJS.Timeout | null = null;

  constructor(rt: Runtime, timers: TimerKinds) {
    this.#rt = rt;
    this.#timers = timers;
    this.#concurrency = Math.max(1, rt.concurrency);
  }

  /**
   * Takes over what a dead or stalled engine left half-done (see the module comment). `startup`:
   * with one engine per store, every run left running is taken over at once.
   */
  async recover(startup = true): Promise<{ interrupted: number; resumed: number }> {
    const rt = this.#rt;
    const takeAll = startup && rt.leases.exclusive;
    const now = rt.clock.now();
    const orphaned = (run: EngineRun | null): run is EngineRun => run !== null && run.status === 'running' && (takeAll || rt.leases.expired(run, now));
    let interrupted = 0;
    let resumed = 0;
    for (const claim of await rt.store.stepClaims({ status: ['running'] })) {
      if (!orphaned(await rt.store.getRun(claim.runId))) continue;
      await record(rt, async (r) => {
        // Checked again under the transaction: the owner may have renewed its lease meanwhile.
        const run = await r.tx.getRun(claim.runId);
        if (!orphaned(run)) return;
        await r.tx.finishStep(claim.id, { status: 'interrupted', finishedAt: r.now, output: null, prior: null, applied: null, error: 'ENGINE_INTERRUPTED: the engine running it stopped while the step ran' });
        await r.tx.updateRun(run.id, {
          status: 'interrupted',
          finishedAt: r.now,
          steps: { ...run.steps, [claim.stepId]: { status: 'interrupted', output: null } },
          acted: run.acted || claim.mutating,
          detail: `interrupted in step ${claim.stepId}`,
          fence: run.fence + 1,
        });
        await r.append({
          incidentId: run.incidentId,
          phase: null,
          kind: 'run.interrupted',
          summary: `Runbook ${run.runbook} interrupted in step ${claim.stepId} (${claim.action}): ${claim.mutating ? 'the change may or may not have been applied; check it and revert by hand if needed' : 'not run again'}`,
          data: { runId: run.id, runbook: run.runbook, trigger: run.trigger, stepId: claim.stepId, action: claim.action, mutating: claim.mutating, claimId: claim.id, params: claim.params, plan: claim.plan, claimedAt: claim.claimedAt, owner: run.owner, takenOverBy: rt.leases.owner },
        });
        interrupted += 1;
        rt.metrics.runFinished(run.runbook, 'interrupted');
      });
    }
    for (const left of await rt.store.runs({ status: ['running'] })) {
      if (!orphaned(left)) continue;
      await record(rt, async (r) => {
        const run = await r.tx.getRun(left.id);
        if (!orphaned(run)) return;
        await r.tx.updateRun(run.id, { status: 'pending', detail: startup ? 'resumed after a restart' : `resumed after engine ${run.owner ?? 'unknown'} lost its lease`, owner: null, leaseUntil: null, fence: run.fence + 1 });
        resumed += 1;
      });
    }
    const staleBefore = now - rt.leases.leaseMs - engineLimits(rt.config).stepTimeoutMs;
    for (const claim of await rt.store.stepClaims({})) {
      if (claim.revertStatus !== 'reverting') continue;
      if (!takeAll && (claim.revertedAt === null || Date.parse(claim.revertedAt) > staleBefore)) continue;
      await record(rt, async (r) => {
        const reset = await r.tx.setRevertStatus(claim.id, ['reverting'], { status: 'failed', at: r.now, by: 'engine', detail: { code: 'ENGINE_INTERRUPTED', message: 'the process stopped during the revert', retriable: true } });
        if (reset === null) return;
        await r.append({
          incidentId: claim.incidentId,
          phase: 'recovery',
          kind: 'revert.failed',
          summary: `Revert of step ${claim.stepId} interrupted by a restart; it is tried again`,
          data: { stepId: claim.stepId, action: claim.action, claimId: claim.id, error: { code: 'ENGINE_INTERRUPTED', retriable: true } },
        });
        await scheduleRevertRetry(r, rt, reset, 'manual');
      });
    }
    for (const run of await rt.store.runs({ status: ['waiting-release'] })) {
      await record(rt, async (r) => {
        // Checked again under the transaction: another engine may have requeued it meanwhile.
        if ((await r.tx.getRun(run.id))?.status !== 'waiting-release') return;
        if ((await r.tx.timers({ incidentId: run.incidentId, kind: ['release'], status: ['pending', 'running'] })).length > 0) return;
        await r.tx.updateRun(run.id, { status: 'pending', detail: null });
      });
    }
    if (interrupted + resumed > 0) rt.logger.warn({ interrupted, resumed }, 'runs left by a stopped engine: interrupted ones are not run again, the others resume');
    if (resumed > 0) this.kick();
    return { interrupted, resumed };
  }

  /** Lets kicks start runs (after {@link recover}). */
  open(): void {
    this.#open = true;
  }

  /** Looks for runs to start. */
  kick(): void {
    if (this.#closed || !this.#open) return;
    if (this.#filling !== null) {
      this.#again = true;
      return;
    }
    this.#filling = this.#fill()
      .catch((err: unknown) => this.#rt.logger.error({ err: toFirebreakError(err) }, 'cannot read pending runs'))
      .finally(() => {
        this.#filling = null;
        if (this.#again) {
          this.#again = false;
          this.kick();
        }
      });
  }

  async #fill(): Promise<void> {
    const rt = this.#rt;
    // One read for both (ordered by id, as the queue is).
    const live = await rt.store.runs({ status: ['pending', 'running'] });
    const pending = live.filter((r) => r.status === 'pending');
    const running = new Set(live.filter((r) => r.status === 'running').map((r) => r.incidentId));
    const waiting = new Set(pending.map((r) => r.incidentId));
    for (const run of pending) {
      const active = this.#active.get(run.incidentId);
      if (run.trigger === 'firing' && active?.kind === 'run' && active.trigger === 'resolved' && !active.preempt.signal.aborted) {
        rt.logger.info({ incidentId: run.incidentId, runId: run.id }, 'the alert fires again: pre-empting the resolved run');
        active.preempt.abort();
      }
    }
    for (const run of pending) {
      if (this.#closed || this.#active.size >= this.#concurrency) return;
      if (this.#active.has(run.incidentId) || running.has(run.incidentId)) continue;
      if (!this.#mayStart()) break;
      const preempt = new AbortController();
      const runtime: Runtime = { ...rt, preempt: preempt.signal, stop: AbortSignal.any([rt.stop, preempt.signal]) };
      const work = executeRun(runtime, run.id, this.#failedRuns.has(run.id) ? undefined : run).catch((err: unknown) => {
        if (this.#failedRuns.size >= FAILED_RUNS_KEPT) this.#failedRuns.clear();
        this.#failedRuns.add(run.id);
        const error = toFirebreakError(err);
        if (error.code === 'ENGINE_FENCED') rt.logger.warn({ err: error, runId: run.id, incidentId: run.incidentId }, 'run taken over by another engine; this one stopped it');
        else rt.logger.error({ err: error, runId: run.id, incidentId: run.incidentId }, 'run failed unexpectedly; it is resumed or interrupted at the next start');
      });
      this.#start(run.incidentId, { kind: 'run', trigger: run.trigger, preempt, work });
      running.add(run.incidentId);
    }
    if (this.#closed) return;
    for (const timer of await rt.store.dueTimers(toIso(rt.clock.now()), DUE_BATCH)) {
      if (this.#closed || this.#active.size >= this.#concurrency) return;
      const slot = timer.incidentId ?? `timer:${timer.id}`;
      if (this.#active.has(slot) || running.has(slot) || waiting.has(slot)) continue;
      this.#start(slot, { kind: 'timer', work: this.#runTimer(timer) });
    }
  }

  #start(slot: string, job: Job): void {
    this.#active.set(slot, job);
    void job.work.finally(() => {
      if (this.#active.get(slot) === job) this.#active.delete(slot);
      this.kick();
    });
  }

  async #runTimer(timer: EngineTimer): Promise<void> {
    try {
      await runTimer(this.#rt, this.#timers, timer);
    } catch (err) {
      this.#rt.logger.error({ err: toFirebreakError(err), timerId: timer.id }, 'timer could not be run; it is tried again');
    }
  }

  /** Counts a start within the per-minute cap, or schedules a look once the minute allows one. */
  #mayStart(): boolean {
    const cap = this.#rt.maxRunStartsPerMinute;
    const now = this.#rt.clock.now();
    while (this.#starts.length > 0 && (this.#starts[0] as number) <= now - 60_000) this.#starts.shift();
    if (this.#starts.length < cap) {
      this.#starts.push(now);
      return true;
    }
    if (this.#later === null) {
      this.#later = setTimeout(() => {
        this.#later = null;
        this.kick();
      }, (this.#starts[0] as number) + 60_000 - now);
      this.#later.unref();
    }
    return false;
  }

  /** Expires approvals whose time is up and requeues their runs (the guards then block the step). */
  async tick(): Promise<number> {
    const rt = this.#rt;
    const now = toIso(rt.clock.now());
    const due = await rt.store.approvals({ state: ['pending'], expiresBy: now });
    for (const approval of due) {
      await record(rt, async (r) => {
        const expired = await r.tx.decideApproval(approval.id, { state: 'expired', decidedAt: r.now, decidedBy: 'engine', reason: 'no decision before it expired' });
        if (expired === null) return;
        await r.append({
          incidentId: approval.incidentId,
          phase: 'containment',
          kind: 'approval.expired',
          summary: `Approval of step ${approval.stepId} expired at ${approval.expiresAt} without a decision; the step does not run`,
          data: { approvalId: approval.id, stepId: approval.stepId, runId: approval.runId, action: approval.action, expiresAt: approval.expiresAt },
        });
        const run = await r.tx.getRun(approval.runId);
        if (run?.status === 'waiting-approval') await r.tx.updateRun(run.id, { status: 'pending', detail: null });
      });
    }
    if (due.length > 0) this.kick();
    return due.length;
  }

  /** Resolves once no run executes and no pending run can start (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.#filling !== null) {
        await this.#filling;
        continue;
      }
      if (this.#active.size > 0) {
        await Promise.all([...this.#active.values()].map((job) => job.work));
        continue;
      }
      return;
    }
  }

  /** Stops starting runs; waits for the ones executing, at most `graceMs`. */
  async close(graceMs: number): Promise<void> {
    this.#closed = true;
    if (this.#later !== null) clearTimeout(this.#later);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([this.idle(), expired]);
    clearTimeout(timer);
  }
}
