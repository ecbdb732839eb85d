/**
 * The runbook engine, assembled: what `app.ts` plugs into notification processing (the incident
 * key of an alert, the outbox written inside the processing transaction, the hook that wakes the
 * worker after the commit) and what the API and CLI call (approvals, manual revert, the
 * automation switch, runbook reload). docs/engine.md describes the whole.
 */
import type { StoreTx } from '../store/types.ts';
import type { Alert, Notification } from '../model/incident.ts';
import type { ProcessResult, TxCache } from '../incidents/process.ts';
import type { LoadResult } from '../runbooks/load.ts';
import type { ReloadOutcome, RunbookSet } from '../runbooks/set.ts';
import { TemplateEngine } from '../runbooks/template.ts';
import type { Approval, AutomationState, HoldLiftHow, Mode } from '../model/engine.ts';
import { decideApproval, type ApprovalVerdict } from './approvals.ts';
import { keyForAlert, recordRunRequests } from './enqueue.ts';
import { realSleep } from './execute.ts';
import { liftHold, type HoldReport } from './hold.ts';
import { revertIncident, type RevertReport } from './manual-revert.ts';
import { maxDurationTimer } from './max-duration.ts';
import { RECONCILE_KEY, reconcileSettings, reconcileTimer } from './reconcile.ts';
import { afterRelease, releaseTimer } from './release.ts';
import type { EngineDeps, Runtime } from './runtime.ts';
import { RunLeases } from './leases.ts';
import { engineLimits, modeInForce } from './settings.ts';
import { simulateNotification, type Simulation } from './simulate.ts';
import { timerOwner, type TimerKinds } from './timers.ts';
import { EngineWorker } from './worker.ts';

/** `GET /api/v1/automation`: the mode every replica uses and the pause switch. */
export interface AutomationStatus extends Omit<AutomationState, 'modeSetting'> {
  mode: Mode;
  /** Who set the mode in force (`configuration` when a replica's configuration did), when and why; null before it was recorded. */
  modeChangedBy: string | null;
  modeChangedAt: string | null;
  modeReason: string | null;
}

export interface Engine {
  /** The runbooks in force. */
  readonly runbooks: RunbookSet;
  /** The incident key of an alert (processNotification's `keyFor`). */
  keyFor(alert: Alert, notification: Notification): string;
  /** The outbox (processNotification's `withinTransaction`). */
  withinTransaction(tx: StoreTx, result: ProcessResult, notification: Notification, cache?: TxCache): Promise<void>;
  /** After the processing commit: wakes the worker. */
  afterProcess(result: ProcessResult): Promise<void>;
  /** Marks what a previous process left half-done, then starts the runs waiting. */
  start(): Promise<void>;
  kick(): void;
  /** Expires approvals whose time is up; returns how many. */
  tick(): Promise<number>;
  /** Resolves once no run executes and none can start. */
  idle(): Promise<void>;
  /** Stops starting runs, waits for running ones up to `graceMs`, then aborts their steps. */
  close(graceMs: number): Promise<void>;
  decide(incidentId: string, stepId: string, verdict: ApprovalVerdict, actor: string, reason?: string | null): Promise<Approval>;
  revert(incidentId: string, options: { stepId?: string; actor: string }): Promise<RevertReport>;
  /** Lifts the loop breaker's hold of an incident by hand: hand back to automation, or clear and release now (hold.ts). */
  liftHold(incidentId: string, options: { how: HoldLiftHow; actor: string; reason: string }): Promise<HoldReport>;
  automation(): Promise<AutomationStatus>;
  setPaused(paused: boolean, actor: string, reason?: string | null): Promise<AutomationStatus>;
  /** Sets the mode every replica sharing the store uses, from their next decision on. */
  setMode(mode: Mode, actor: string, reason?: string | null): Promise<AutomationStatus>;
  /** Reloads the runbooks; a load with any problem changes nothing. */
  reload(): Promise<ReloadOutcome>;
  /** What a reload would find in the runbook files now (`validate`), changing nothing. */
  checkRunbooks(): Promise<LoadResult>;
  /** Simulates a webhook payload against the runbooks in force (simulate.ts); nothing is executed. */
  simulate(payload: unknown): Promise<Simulation>;
}

export function createEngine(deps: EngineDeps): Engine {
  const controller = new AbortController();
  const { leases: leaseSettings, ...rest } = deps;
  const owner = deps.owner ?? timerOwner();
  const rt: Runtime = {
    ...rest,
    actionContext: deps.actionContext ?? {},
    sleep: deps.sleep ?? realSleep,
    concurrency: deps.concurrency ?? 4,
    owner,
    maxRunStartsPerMinute: deps.maxRunStartsPerMinute ?? 30,
    templates: new TemplateEngine({ renderCpuMs: engineLimits(deps.config).templateCpuMs }),
    stop: controller.signal,
    preempt: null,
    opening: null,
    submitNotification: deps.submitNotification ?? null,
    // One name for this engine in the store, for the timers and the runs it holds.
    leases: new RunLeases(deps, { owner, ...leaseSettings }),
  };
  const timers: TimerKinds = {
    handlers: {
      release: releaseTimer,
      'max-duration': maxDurationTimer,
      reconcile: reconcileTimer,
    },
    after: { release: afterRelease },
  };
  const worker = new EngineWorker(rt, timers);

  const statusOf = (state: AutomationState): AutomationStatus => {
    const { modeSetting, ...pause } = state;
    return { ...pause, mode: modeInForce(deps.config, state), modeChangedBy: modeSetting?.changedBy ?? null, modeChangedAt: modeSetting?.changedAt ?? null, modeReason: modeSetting?.reason ?? null };
  };
  const status = async (): Promise<AutomationStatus> => statusOf(await deps.store.automation());

  /**
   * The configured mode meets the store's at start: a configuration that changed since a replica
   * last recorded it (a deliberate change, as in a rolling update) sets it for every replica;
   * one that did not leaves a mode a person set since in force, and says so.
   */
  async function shareConfiguredMode(): Promise<void> {
    const stored = (await deps.store.automation()).modeSetting ?? null;
    const configured = deps.config.mode;
    if (stored === null || stored.configured !== configured) {
      await deps.store.setMode({ mode: configured, changedBy: 'configuration', changedAt: new Date(deps.clock.now()).toISOString(), reason: `the configured mode (mode, FIREBREAK_MODE) of a replica that started with ${configured}`, configured });
      if (stored !== null && stored.mode !== configured) deps.logger.warn({ mode: configured, was: stored.mode }, `mode ${configured} from this replica's configuration: every replica sharing the store uses it now`);
      return;
    }
    if (stored.mode !== configured) {
      deps.logger.warn({ mode: stored.mode, configured, changedBy: stored.changedBy, changedAt: stored.changedAt }, `mode ${stored.mode} in force, set by ${stored.changedBy}; this replica's configuration says ${configured} (unchanged since it was last recorded): firebreak mode ${configured} switches every replica`);
    }
  }
  deps.metrics.observeEngine(async () => {
    const [automation, counts] = await Promise.all([deps.store.automation(), deps.store.engineCounts()]);
    return { paused: automation.paused, ...counts };
  });

  /** The one reconciliation timer: scheduled when Alertmanager peers are configured, ended when not. */
  async function scheduleReconciliation(): Promise<void> {
    const now = new Date(deps.clock.now()).toISOString();
    if (reconcileSettings(deps.config) === null) {
      await deps.store.cancelTimers({ kind: ['reconcile'] }, now);
      return;
    }
    await deps.store.scheduleTimer({ kind: 'reconcile', key: RECONCILE_KEY, incidentId: null, claimId: null, dueAt: now, state: { missing: {} }, createdAt: now });
  }

  let ticker: NodeJS.Timeout | null = null;
  let timerTicker: NodeJS.Timeout | null = null;
  let sweeper: NodeJS.Timeout | null = null;
  let unsubscribe: (() => void) | null = null;

  return {
    runbooks: deps.runbooks,
    keyFor: (alert, notification) => keyForAlert(deps.runbooks, alert, notification),
    async withinTransaction(tx, result, notification, cache) {
      await recordRunRequests({ runbooks: deps.runbooks, clock: deps.clock }, tx, result, notification, cache);
    },
    async afterProcess() {
      worker.kick();
    },
    async start() {
      await shareConfiguredMode();
      await worker.recover();
      await scheduleReconciliation();
      worker.open();
      rt.leases.start();
      // Another replica's commit that leaves a run pending wakes this one (LISTEN/NOTIFY on
      // PostgreSQL); the take-over sweep below also looks at the store every half lease.
      unsubscribe = deps.store.subscribe?.('runs', () => worker.kick()) ?? null;
      worker.kick();
      if (deps.tickMs !== undefined && deps.tickMs > 0) {
        ticker = setInterval(() => {
          worker.tick().catch((err: unknown) => deps.logger.error({ err }, 'cannot expire approvals'));
        }, deps.tickMs);
        ticker.unref();
      }
      const pollMs = deps.timerPollMs ?? engineLimits(deps.config).timerPollMs;
      if (deps.timerPollMs !== 0) {
        timerTicker = setInterval(() => worker.kick(), pollMs);
        timerTicker.unref();
      }
      if (!rt.leases.exclusive) {
        sweeper = setInterval(() => {
          worker
            .recover(false)
            .then(() => worker.kick())
            .catch((err: unknown) => deps.logger.error({ err }, 'cannot look for runs of stopped engines'));
        }, Math.max(100, Math.floor(rt.leases.leaseMs / 2)));
        sweeper.unref();
      }
    },
    kick: () => worker.kick(),
    tick: () => worker.tick(),
    idle: () => worker.idle(),
    async close(graceMs) {
      if (ticker !== null) clearInterval(ticker);
      if (timerTicker !== null) clearInterval(timerTicker);
      if (sweeper !== null) clearInterval(sweeper);
      ticker = null;
      timerTicker = null;
      sweeper = null;
      unsubscribe?.();
      unsubscribe = null;
      await worker.close(graceMs);
      rt.leases.stop();
      // Steps still running are told to stop; their runs are resumed or marked interrupted at
      // the next start.
      controller.abort();
    },
    async decide(incidentId, stepId, verdict, actor, reason = null) {
      try {
        return await decideApproval(rt, { incidentId, stepId, verdict, actor, reason: reason ?? null });
      } finally {
        worker.kick();
      }
    },
    async revert(incidentId, options) {
      try {
        return await revertIncident(rt, { incidentId, actor: options.actor, ...(options.stepId === undefined ? {} : { stepId: options.stepId }) });
      } finally {
        // A revert ends releases under way and may let a parked resolved run go on.
        worker.kick();
      }
    },
    async liftHold(incidentId, options) {
      try {
        return await liftHold(rt, { incidentId, ...options });
      } finally {
        // A release scheduled now, or a revert that let a parked run go on.
        worker.kick();
      }
    },
    automation: status,
    async setPaused(paused, actor, reason = null) {
      const current = await deps.store.automation();
      if (current.paused !== paused) {
        await deps.store.setAutomation({ paused, changedBy: actor, changedAt: new Date(deps.clock.now()).toISOString(), reason: reason ?? null });
        deps.logger.warn({ actor, reason }, paused ? 'automation paused: no runbook step changes anything' : 'automation resumed');
        if (!paused) worker.kick();
      }
      return status();
    },
    async setMode(mode, actor, reason = null) {
      const current = await deps.store.automation();
      if (modeInForce(deps.config, current) === mode && current.modeSetting != null) return statusOf(current);
      const state = await deps.store.setMode({ mode, changedBy: actor, changedAt: new Date(deps.clock.now()).toISOString(), reason: reason ?? null, configured: current.modeSetting?.configured ?? deps.config.mode });
      deps.logger.warn({ actor, reason, mode }, mode === 'enforce' ? 'mode enforce: runbook steps change the cluster, on every replica' : 'mode dry-run: runbook steps are planned and recorded, not executed, on every replica');
      if (mode === 'enforce') worker.kick();
      return statusOf(state);
    },
    reload: () => deps.runbooks.reload(),
    checkRunbooks: () => deps.runbooks.check(),
    async simulate(payload) {
      const automation = await deps.store.automation();
      const paused = automation.paused;
      return simulateNotification(
        { runbooks: deps.runbooks.runbooks, registry: deps.registry, kafka: deps.kafka, config: { ...deps.config, mode: modeInForce(deps.config, automation) }, now: deps.clock.now(), paused, logger: deps.logger, actionContext: rt.actionContext },
        payload,
      );
    },
  };
}
