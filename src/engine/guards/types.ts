/**
 * The guard contract: what a guard sees about one step about to run, and the decision it
 * returns. Everything is plain data, times are epoch milliseconds, so guards are pure functions
 * that unit tests drive with a fake clock.
 */
import type { AlertStatus, IncidentStatus, StepPhase } from '../../model/incident.ts';
import type { RunbookPolicy } from '../../runbooks/types.ts';
import type { Mode } from '../../model/engine.ts';

/** What the engine does with the step. */
export const GUARD_VERDICTS = ['run', 'dry-run', 'wait-approval', 'skip', 'block'] as const;
export type GuardVerdict = (typeof GUARD_VERDICTS)[number];

/**
 * Why. A closed list: stored on the timeline and used as a metric label, so it never grows
 * unbounded (a new reason is a code change, documented in docs/runbooks.md).
 */
export const GUARD_REASONS = [
  'allowed',
  'read-only',
  'mode-dry-run',
  'paused',
  'loop-breaker',
  'released-too-early',
  'incident-closed',
  'trigger-mismatch',
  'resolved-no-containment',
  'alert-resolved',
  'condition-false',
  'already-applied',
  'run-active',
  'cooldown',
  'rate-limit',
  'plan-unavailable',
  'protected-resource',
  'cap-topics',
  'cap-clients',
  'floor',
  'quota-callback',
  'broker-rejected',
  'data-loss',
  'approval-required',
  'approval-pending',
  'approval-rejected',
  'approval-expired',
] as const;
export type GuardReason = (typeof GUARD_REASONS)[number];

export interface GuardDecision {
  verdict: GuardVerdict;
  reason: GuardReason;
  /** One human sentence with the numbers behind the decision (for the timeline). */
  detail: string;
}

/** The step as guards see it: the runbook step plus its action's `mutating` flag. */
export interface GuardStep {
  id: string;
  phase: StepPhase;
  on: AlertStatus;
  mutating: boolean;
  approval: 'required' | 'none';
  /** null when no approval is required. */
  approvalTimeoutMs: number | null;
}

/**
 * What a mutating step would do, from its action's plan: the resources it touches and the values
 * it would set that have floors. Built by the engine from the action's {@link Plan}.
 */
export interface PlanSummary {
  topics: string[];
  /** Quota entities, as the action labels them (`client-id=loadgen`). */
  clients: string[];
  /** Byte-rate quotas (producer/consumer) it would set, bytes/s. */
  quotaByteRates: number[];
  /** retention.ms values it would set. */
  retentionMs: number[];
  /** The custom `client.quota.callback.class` that makes the quotas of this change no-ops. */
  quotaCallback?: string;
  /** The broker refused the change when asked to validate it (`validateOnly`): its code and message. */
  brokerRejected?: { code: string; message: string };
  /** Records consumer groups have not read that the change (a retention cut) would delete. */
  dataLoss?: Array<{ topic: string; group: string; partition: number; unreadRecords: number }>;
}

export type RunOutcome = 'running' | 'succeeded' | 'failed' | 'aborted' | 'blocked';

/**
 * One run of this runbook for this incident group. `blocked` means the run changed nothing and
 * planned nothing (every mutating step was blocked or skipped): such runs do not count towards
 * cooldown and rate limits, or a blocked run would extend its own cooldown forever.
 */
export interface RunRecord {
  id: string;
  startedAt: number;
  finishedAt: number | null;
  outcome: RunOutcome;
}

/** A mutating step of this runbook already executed in this incident. */
export interface ExecutedStep {
  stepId: string;
  at: number;
  /** True once its change was reverted (then it may be applied again). */
  reverted: boolean;
}

export interface ApprovalRecord {
  state: 'pending' | 'granted' | 'rejected';
  requestedAt: number;
  decidedAt: number | null;
}

export interface GuardHistory {
  /** Runs of this runbook for this incident group, any order, the current run included or not. */
  runs: RunRecord[];
  executedSteps: ExecutedStep[];
  /** Resources changed so far in this incident (not reverted), for the per-incident caps. */
  touched: { topics: string[]; clients: string[] };
  /** The approval of this step in this incident, if one was requested. */
  approval: ApprovalRecord | null;
}

/** Global limits. Floors, caps and protected topics are hard: a runbook can only tighten them. */
export interface GuardLimits {
  maxTopicsPerIncident: number;
  maxClientsPerIncident: number;
  minQuotaByteRate: number;
  minRetentionMs: number;
  /** Topic name regexes (anchored); `__.*` (Kafka's internal topics) is always protected. */
  protectedTopics: string[];
}

/** Defaults a runbook's policy replaces (they are not floors). */
export interface GuardDefaults {
  cooldownMs: number;
  maxRunsPerHour: number;
}

export interface GuardSettings {
  mode: Mode;
  paused: boolean;
  limits: GuardLimits;
  defaults: GuardDefaults;
}

/**
 * What the episode of this incident group says about a step (src/engine/episodes.ts): whether
 * it re-applies a change firebreak released too early (then cooldown and rate limit do not
 * apply: firebreak's own release caused the re-fire), and whether the loop breaker stopped
 * automation of the group.
 */
export interface EpisodeFacts {
  /** The step re-applies the last level that held of a change released too early. */
  reapply: boolean;
  /** How many re-fires firebreak's releases caused in this episode, this one included. */
  tooEarly: number;
  /** The loop breaker tripped for this incident: no new change is made automatically. */
  loopBroken: boolean;
}

export interface GuardInput {
  step: GuardStep;
  /** The run this step belongs to (excluded from cooldown and rate counting). */
  runId: string;
  /** The step's `when:` result; null when the step has none. */
  condition: boolean | null;
  /** Null for read-only steps, or when planning failed. */
  plan: PlanSummary | null;
  incident: { id: string; status: IncidentStatus };
  history: GuardHistory;
  trigger: AlertStatus;
  /**
   * Whether an alert of the incident fires now (its current state, read when the step runs, not
   * when the run was asked for). Absent: not known (simulation), taken as firing.
   */
  alertFiring?: boolean;
  /** Absent: no episode (a first containment, a simulation). */
  episode?: EpisodeFacts;
  now: number;
  settings: GuardSettings;
  policy: RunbookPolicy;
}

/** One guard: a decision, or null to let the next guard decide. */
export type Guard = (input: GuardInput) => GuardDecision | null;
