/**
 * The runbook model after loading: every default applied, durations in milliseconds, matchers
 * compiled, each step annotated with its action's `mutating` flag. The YAML format itself is
 * defined by `runbooks/schema.json` (the truth) and described in docs/runbooks.md.
 */
import type { RevertMode } from '../model/action.ts';
import type { ReleaseSpec } from '../model/engine.ts';
import type { AlertStatus, StepPhase } from '../model/incident.ts';
import type { Matcher } from './matchers.ts';

/** How long a requested approval stays valid when a step sets no `approvalTimeout` (1h). */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 3_600_000;

/** `groupBy: ['...']`: group by every label, i.e. one incident per distinct alert. */
export const GROUP_BY_ALL = '...';

export interface RetryPolicy {
  /** Extra attempts after the first failure (0 = no retry). Only retriable errors are retried. */
  count: number;
  /** Delay before the first retry, ms; doubles for each further retry. */
  backoffMs: number;
}

/** Defaults of a step's `release` (docs/runbooks.md, "Release"). */
export const RELEASE_DEFAULTS = { forMs: 300_000, factor: 2, steps: 4, minIntervalMs: 1_000, maxIntervalMs: 60_000 } as const;

export interface RunbookStep {
  id: string;
  description: string | null;
  phase: StepPhase;
  /** Which notification status the step runs on (default `firing`). */
  on: AlertStatus;
  action: string;
  /** From the action registry at load time. */
  mutating: boolean;
  /** Parameters as written; strings may hold templates, rendered when the step runs. */
  with: Record<string, unknown>;
  /** A Liquid expression that must evaluate to `true` for the step to run; null = always. */
  when: string | null;
  /** Upper bound for one attempt, ms; null = the engine's default. */
  timeoutMs: number | null;
  retries: RetryPolicy;
  onFailure: 'continue' | 'abort';
  approval: 'required' | 'none';
  /** How long a requested approval stays valid, ms; null when no approval is required. */
  approvalTimeoutMs: number | null;
  /** `revert` as written, or the action's default. */
  revert: RevertMode;
  /** How the change is let go: `revert`, `release` and `maxDuration` together, defaults applied. */
  release: ReleaseSpec;
}

/**
 * Per-runbook policy. Every field is optional: null means "the global setting". Floors, caps
 * and protected topics can only tighten the global limits (see src/engine/guards.ts).
 */
export interface RunbookPolicy {
  cooldownMs: number | null;
  maxRunsPerHour: number | null;
  maxTopicsPerIncident: number | null;
  maxClientsPerIncident: number | null;
  minQuotaByteRate: number | null;
  minRetentionMs: number | null;
  /** Topic name regexes (anchored), added to the global protected list. */
  protectedTopics: string[];
  /**
   * A change that would delete records a consumer group has not read (a retention cut):
   * `block` (absent: the default) or `approve` (a responder's approval lets it run).
   */
  onDataLoss?: 'block' | 'approve';
  /** A re-fire this soon after firebreak's release is the same episode (docs/engine.md "Episodes"). */
  episodeWindowMs: number | null;
  /** The loop breaker: this many contain/release cycles of the group within the window. */
  loopBreakerCycles: number | null;
  loopBreakerWindowMs: number | null;
}

/** Where a runbook came from, for messages. Line and column are 1-based. */
export interface RunbookOrigin {
  file: string;
  line: number;
  column: number;
}

export interface Runbook {
  name: string;
  description: string;
  /** The matcher strings as written (each may hold several comma-separated matchers). */
  matchSource: string[];
  /** All must match the alert's labels. */
  match: Matcher[];
  /** Label names, `[]` (one incident for all matching alerts) or `['...']` (one per alert). */
  groupBy: string[];
  /** Higher wins when several runbooks match an alert (default 0). */
  priority: number;
  /** Constants for templates (`{{ params.rate }}`). */
  params: Record<string, unknown>;
  policy: RunbookPolicy;
  steps: RunbookStep[];
  /** Templated action-item titles added to the incident when the runbook runs. */
  followUps: string[];
  origin: RunbookOrigin;
}
