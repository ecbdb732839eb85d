/**
 * The engine's records in the store: runs (the outbox of run requests and their progress), step
 * claims (each step runs at most once per incident, runbook, trigger and alert episode, and the
 * claim keeps what a revert needs), approvals and the automation switch. Shaped by the engine
 * (src/engine/, docs/engine.md); every backend implements them and passes the contract suite.
 */
import type { RevertMode } from '../actions/types.ts';
import type { Alert, AlertStatus } from '../incidents/model.ts';

/**
 * - `pending`: requested (by a notification, an approval decision or a start-up), not running;
 * - `running`: a worker is executing its steps;
 * - `waiting-approval`: parked on a step that needs an approval;
 * - `succeeded` / `failed` / `aborted` (a failed step with `onFailure: abort`, or superseded) /
 *   `blocked` (it changed and planned nothing because a guard blocked its changes) /
 *   `interrupted` (the process died in the middle of one of its steps): finished.
 */
export const RUN_STATUSES = ['pending', 'running', 'waiting-approval', 'succeeded', 'failed', 'aborted', 'blocked', 'interrupted'] as const;
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
}

export type NewRun = Pick<EngineRun, 'incidentId' | 'runbook' | 'groupKey' | 'trigger' | 'alert' | 'episode' | 'notificationId' | 'requestedAt'>;
export type RunPatch = Partial<Pick<EngineRun, 'status' | 'startedAt' | 'finishedAt' | 'steps' | 'acted' | 'detail'>>;

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

export interface StepClaim {
  id: number;
  incidentId: string;
  runbook: string;
  stepId: string;
  trigger: AlertStatus;
  episode: string;
  runId: number;
  action: string;
  mutating: boolean;
  /** The step's revert mode when it ran. */
  revert: RevertMode;
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
}

export type NewClaim = Pick<
  StepClaim,
  'incidentId' | 'runbook' | 'stepId' | 'trigger' | 'episode' | 'runId' | 'action' | 'mutating' | 'revert' | 'params' | 'plan' | 'claimedAt'
>;
export type ClaimResult = Pick<StepClaim, 'status' | 'finishedAt' | 'output' | 'prior' | 'applied' | 'error'>;

export interface ClaimQuery {
  incidentId?: string;
  runbook?: string;
  runId?: number;
  status?: ClaimStatus[];
}

export interface RevertChange {
  status: RevertStatus;
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
}

/** Figures for the engine's gauges. */
export interface EngineCounts {
  pendingApprovals: number;
  /** Executed changes not reverted (interrupted ones included: their state is unknown). */
  activeContainments: number;
}
