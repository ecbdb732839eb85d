/**
 * The engine's model: its global mode and limits, how a change is released, and the records it
 * keeps in the store: runs (the outbox of run requests and their progress), step claims (each step
 * runs at most once per incident, runbook, trigger and alert episode, and the claim keeps what a
 * revert needs), approvals, timers and the automation switch. Shaped by the engine (src/engine/,
 * docs/engine.md); every store backend implements them and passes the contract suite.
 */
import type { RevertMode } from './action.ts';
import type { Alert, AlertStatus } from './incident.ts';

/** `dry-run` plans and records mutating steps without executing them; `enforce` executes them. */
export const MODES = ['dry-run', 'enforce'] as const;
export type Mode = (typeof MODES)[number];

/** Engine limits and defaults that are not action floors (config key `engine`, defaults in its schema). */
export interface EngineLimits {
  /** Default minimum time between two runs of a runbook for one incident group, ms. */
  cooldownMs: number;
  /** Default maximum runs of a runbook per incident group in any rolling hour. */
  maxRunsPerHour: number;
  /** At most this many distinct topics changed per incident (a runbook can only lower it). */
  maxTopicsPerIncident: number;
  /** At most this many distinct quota entities changed per incident (a runbook can only lower it). */
  maxClientsPerIncident: number;
  /** Upper bound of one attempt of a step without its own `timeout`, ms. */
  stepTimeoutMs: number;
  /** How often due timers (releases, retries, reconciliation) are looked for, ms. */
  timerPollMs: number;
  /** First wait before a failed revert or release is tried again, ms; doubles up to `revertRetryMaxMs`. */
  revertRetryMs: number;
  revertRetryMaxMs: number;
  /** A revert still failing after this long is escalated (it keeps being retried), ms. */
  revertEscalateMs: number;
  /** A re-fire of the same group this soon after firebreak's own release belongs to the same episode, ms. */
  episodeWindowMs: number;
  /** The loop breaker trips at this many contain/release cycles of one group within `loopBreakerWindowMs`. */
  loopBreakerCycles: number;
  loopBreakerWindowMs: number;
  /** The `notify` target escalations are sent to (a name under `notify.targets`); null: timeline and metric only. */
  escalationTarget: string | null;
  /** CPU time one template render may take on its thread before it fails (RUNBOOK_TEMPLATE), ms (src/runbooks/template.ts). */
  templateCpuMs: number;
}

/** The engine's default limits: what the configuration uses for a key it does not set. */
export const DEFAULT_ENGINE_LIMITS: Readonly<EngineLimits> = Object.freeze({
  cooldownMs: 15 * 60_000,
  maxRunsPerHour: 4,
  maxTopicsPerIncident: 5,
  maxClientsPerIncident: 5,
  stepTimeoutMs: 60_000,
  timerPollMs: 1_000,
  revertRetryMs: 5_000,
  revertRetryMaxMs: 300_000,
  revertEscalateMs: 900_000,
  episodeWindowMs: 30 * 60_000,
  loopBreakerCycles: 3,
  loopBreakerWindowMs: 3_600_000,
  escalationTarget: null,
  // CPU time, not wall time (a loaded machine does not count against it): a template that loops
  // over 200 items renders in about 1 ms of CPU, so 100 ms is a hundred times that, and a
  // runaway template holds the engine's thread for no more than a tenth of a second of work.
  templateCpuMs: 100,
});

/**
 * How a change is let go (the step's `revert`, `release` and `maxDuration`; on a step claim the
 * condition's query is rendered). `on-resolve`: at once when the incident resolves; `when-recovered`: once
 * `condition` has held for `forMs`, checked every `intervalMs` while the change is in force;
 * `gradual`: in levels back to the prior state, each level held with the condition true for
 * `forMs` before the next (`factor`, at most `steps` levels before the prior state); `manual`:
 * only by a person; `never`.
 */
export const RELEASE_MODES = ['on-resolve', 'when-recovered', 'gradual', 'manual', 'never'] as const;
export type ReleaseMode = (typeof RELEASE_MODES)[number];

export interface ReleaseCondition {
  /** PromQL, rendered. */
  query: string;
  /** `< 1000`: every series must satisfy it (prometheus.query semantics). */
  expect: string;
  onEmpty: 'fail' | 'pass';
}

export interface ReleaseSpec {
  mode: ReleaseMode;
  condition: ReleaseCondition | null;
  forMs: number;
  intervalMs: number;
  factor: number;
  steps: number;
  /** Longest time the change may stay in force; null: no limit. */
  maxDurationMs: number | null;
  onMaxDuration: 'release' | 'escalate';
}

/**
 * - `pending`: requested (by a notification, an approval decision, a finished release or a
 *   start-up), not running;
 * - `running`: a worker is executing its steps;
 * - `waiting-approval`: parked on a step that needs an approval;
 * - `waiting-release`: a resolved run parked until the incident's containments are released
 *   (its `on: resolved` steps run after the release);
 * - `succeeded` (nothing failed) / `partial` (something failed, something else was done) /
 *   `failed` (something failed and nothing was done) / `aborted` (superseded: the alert resolved
 *   during an approval, a re-fire pre-empted it, its runbook is gone) / `blocked` (it changed and
 *   planned nothing because a guard blocked its changes) / `interrupted` (the process died in the
 *   middle of one of its steps): finished.
 */
export const RUN_STATUSES = ['pending', 'running', 'waiting-approval', 'waiting-release', 'succeeded', 'partial', 'failed', 'aborted', 'blocked', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** A step of a run as later templates see it (`steps.<id>.status`, `.output`). */
export interface RunStepState {
  status: string;
  output: unknown;
}

export interface EngineRun {
  id: number;
  incidentId: string;
  runbook: string;
  /** The incident key: runs of one runbook and key share cooldowns and rate limits. */
  groupKey: string;
  trigger: AlertStatus;
  /** The alert state that asked for the run; its labels and annotations feed the templates. */
  alert: Alert;
  /** `fingerprint@startsAt` of that alert: one firing episode of one alert. */
  episode: string;
  notificationId: number;
  status: RunStatus;
  requestedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Steps handled so far, by step id, in the order handled. */
  steps: Record<string, RunStepState>;
  /** True once the run executed or planned a change (runs that did not skip cooldowns). */
  acted: boolean;
  /** Why it ended as it did (error code and message, or the step it waits on). */
  detail: string | null;
  /**
   * Which engine holds the run while it is `running`, and until when: several replicas share the
   * store, and a run whose lease ran out (its replica died or stalled) is taken over by another.
   */
  owner: string | null;
  leaseUntil: string | null;
  /**
   * Fencing token: raised each time an engine takes the run. An engine writes the run's progress
   * only while the fence is the one it took, so a replica that stalled past its lease cannot
   * finish what another took over.
   */
  fence: number;
}

export type NewRun = Pick<EngineRun, 'incidentId' | 'runbook' | 'groupKey' | 'trigger' | 'alert' | 'episode' | 'notificationId' | 'requestedAt'>;
export type RunPatch = Partial<Pick<EngineRun, 'status' | 'startedAt' | 'finishedAt' | 'steps' | 'acted' | 'detail' | 'owner' | 'leaseUntil' | 'fence'>>;

export interface RunQuery {
  incidentId?: string;
  runbook?: string;
  groupKey?: string;
  trigger?: AlertStatus;
  status?: RunStatus[];
}

/** `running`: claimed, not finished (after a crash: interrupted, never executed again). */
export const CLAIM_STATUSES = ['running', 'succeeded', 'failed', 'interrupted'] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

/** `reverting` is held while a revert runs; `failed` may be tried again. */
export const REVERT_STATUSES = ['reverting', 'reverted', 'conflict', 'failed'] as const;
export type RevertStatus = (typeof REVERT_STATUSES)[number];

/** A level of a change: values in the shape of the claim's `applied` record, and how many relaxations it is from it. */
export interface ReleaseLevel {
  level: unknown;
  index: number;
}

/**
 * A release's progress on the claim. `current` is what is in force (index 0: `applied` itself);
 * `pending` a level change in flight (written before the change, cleared after, so a crash in
 * between is finished by the next attempt); `held` the last level at which the recovery
 * condition held, what a re-fire puts back. `tooEarly` counts re-fires caused by firebreak's own
 * releases in this episode (each doubles the time a level must hold); `hold` stops automatic
 * release (the loop breaker tripped: a person decides).
 */
export interface ReleaseState {
  current: ReleaseLevel;
  pending: ReleaseLevel | null;
  held: ReleaseLevel | null;
  tooEarly: number;
  hold: 'loop-breaker' | null;
  /**
   * A person lifted the loop breaker's hold (hand back to automation, or clear it and release
   * now); the loop breaker counts the group's cycles again from `at` only.
   */
  lifted?: HoldLift | null;
}

/** How a person lifted a loop-breaker hold (docs/engine.md "Steering a hold"). */
export type HoldLiftHow = 'hand-back' | 'clear';

export interface HoldLift {
  how: HoldLiftHow;
  at: string;
  by: string;
  reason: string;
}

export interface StepClaim {
  id: number;
  incidentId: string;
  runbook: string;
  /** The incident key of the run (episodes and the loop breaker look at a group across incidents). */
  groupKey: string;
  stepId: string;
  trigger: AlertStatus;
  episode: string;
  runId: number;
  action: string;
  mutating: boolean;
  /** The step's revert mode when it ran. */
  revert: RevertMode;
  /** How the change is released; null for read-only steps. */
  release: ReleaseSpec | null;
  /** Rendered parameters it ran with. */
  params: Record<string, unknown>;
  /** The plan the guards saw (mutating steps): the changes with the live values before them. */
  plan: unknown;
  claimedAt: string;
  status: ClaimStatus;
  finishedAt: string | null;
  output: unknown;
  /** What the action recorded before changing anything, and what it applied (mutating steps). */
  prior: unknown;
  applied: unknown;
  /** `CODE: message` of a failure. */
  error: string | null;
  revertStatus: RevertStatus | null;
  revertedAt: string | null;
  revertedBy: string | null;
  /** The revert's outcome (changes, conflicts) or error. */
  revertDetail: unknown;
  /** The release's progress; null until a release starts or a level is recorded. */
  releaseState: ReleaseState | null;
}

/** True for a change that was made (or may have been: interrupted) and is not undone. */
export function inPlace(claim: StepClaim): boolean {
  return claim.mutating && (claim.status === 'succeeded' || claim.status === 'interrupted') && claim.revertStatus !== 'reverted' && claim.revertStatus !== 'conflict';
}

export type NewClaim = Pick<
  StepClaim,
  'incidentId' | 'runbook' | 'groupKey' | 'stepId' | 'trigger' | 'episode' | 'runId' | 'action' | 'mutating' | 'revert' | 'release' | 'params' | 'plan' | 'claimedAt'
> & { releaseState?: ReleaseState | null };
export type ClaimResult = Pick<StepClaim, 'status' | 'finishedAt' | 'output' | 'prior' | 'applied' | 'error'>;

export interface ClaimQuery {
  id?: number;
  incidentId?: string;
  runbook?: string;
  groupKey?: string;
  runId?: number;
  status?: ClaimStatus[];
}

/** `status` null: back to "never reverted" (a release level changed, the change is still in force). */
export interface RevertChange {
  status: RevertStatus | null;
  at: string;
  by: string;
  detail: unknown;
}

export const APPROVAL_STATES = ['pending', 'granted', 'rejected', 'expired'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

export interface Approval {
  id: number;
  incidentId: string;
  runId: number;
  runbook: string;
  stepId: string;
  action: string;
  /** Rendered parameters and plan the approver is asked about. */
  params: Record<string, unknown>;
  plan: unknown;
  state: ApprovalState;
  requestedAt: string;
  expiresAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  reason: string | null;
}

export type NewApproval = Pick<Approval, 'incidentId' | 'runId' | 'runbook' | 'stepId' | 'action' | 'params' | 'plan' | 'requestedAt' | 'expiresAt'>;

export interface ApprovalQuery {
  incidentId?: string;
  runId?: number;
  stepId?: string;
  state?: ApprovalState[];
  /** Only approvals expiring at or before this time (ISO). */
  expiresBy?: string;
}

export interface ApprovalDecision {
  state: Exclude<ApprovalState, 'pending'>;
  decidedAt: string;
  decidedBy: string;
  reason: string | null;
}

/** The kill switch, shared by every replica through the store. */
export interface AutomationState {
  paused: boolean;
  /** Who last paused or resumed, and when; null before the first change. */
  changedBy: string | null;
  changedAt: string | null;
  reason: string | null;
  /** The mode every replica uses (docs/engine.md "Mode"); null until a replica first started on this store. */
  modeSetting?: ModeSetting | null;
}

/** The mode shared by every replica through the store. */
export interface ModeSetting {
  mode: Mode;
  /** `configuration` when a replica's configured mode set it, else the person's name. */
  changedBy: string;
  changedAt: string;
  reason: string | null;
  /** The configured mode that last set it: a replica whose configuration says otherwise sets its own (a configuration change). */
  configured: Mode;
}

/** Figures for the engine's gauges. */
export interface EngineCounts {
  pendingApprovals: number;
  /** Executed changes not reverted (interrupted ones included: their state is unknown). */
  activeContainments: number;
  /** Changes still in force whose revert or release failed (waiting for a retry or a person). */
  revertsPending: number;
  /** Changes whose release is scheduled or in progress (release timers not finished). */
  releasesPending: number;
}

/**
 * Durable timers: what the engine must do later, whichever process is alive then.
 * - `release`: check a release condition, take the next level of a gradual release, or retry a
 *   failed revert (one per claim);
 * - `max-duration`: a change that reached its step's `maxDuration` (one per claim);
 * - `reconcile`: compare the open incidents with Alertmanager (one for the whole store).
 */
export const TIMER_KINDS = ['release', 'max-duration', 'reconcile'] as const;
export type TimerKind = (typeof TIMER_KINDS)[number];

/** `pending` (waiting for its due time) → `running` (claimed, leased) → `done` or back to `pending`; `cancelled`. */
export const TIMER_STATUSES = ['pending', 'running', 'done', 'cancelled'] as const;
export type TimerStatus = (typeof TIMER_STATUSES)[number];

export interface EngineTimer {
  id: number;
  kind: TimerKind;
  /** Unique among live (pending or running) timers: scheduling the same key again changes nothing. */
  key: string;
  incidentId: string | null;
  claimId: number | null;
  status: TimerStatus;
  dueAt: string;
  /** Runs finished so far (failed attempts of a revert, condition checks...). */
  attempts: number;
  /** Kind-specific progress, JSON. */
  state: unknown;
  /** Who holds a running timer, and until when (a lease that ran out may be claimed again). */
  owner: string | null;
  leaseUntil: string | null;
  /** Fencing token: every claim increments it; only the holder of the current one may finish it. */
  token: number;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
}

export type NewTimer = Pick<EngineTimer, 'kind' | 'key' | 'incidentId' | 'claimId' | 'dueAt' | 'state' | 'createdAt'>;

export interface TimerQuery {
  key?: string;
  incidentId?: string;
  claimId?: number;
  kind?: TimerKind[];
  status?: TimerStatus[];
}

export interface TimerLease {
  owner: string;
  /** Now: the timer must be due (pending) or its lease over (running) at this time. */
  now: string;
  leaseUntil: string;
}

/** How a run of a timer ended: finished (`done`, `cancelled`) or due again (`pending`). */
export type TimerOutcome =
  | { status: 'done' | 'cancelled'; at: string; state?: unknown; lastError?: string | null }
  | { status: 'pending'; at: string; dueAt: string; state: unknown; attempts: number; lastError: string | null };
