/**
 * The engine's settings: the global mode, the hard safety limits every action also enforces,
 * the per-incident caps and the default cooldown and rate limit a runbook's policy may replace.
 * The configuration (src/config/) provides them; tests build them with {@link engineSettings}.
 */
import type { SafetyLimits } from '../actions/types.ts';
import type { GuardSettings } from './guards.ts';
import type { RunbookPolicy } from '../runbooks/types.ts';

export type EngineMode = 'dry-run' | 'enforce';

/** Engine limits and defaults that are not action floors (config key `engine`). */
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
}

export const DEFAULT_ENGINE_LIMITS: EngineLimits = {
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
};

/** What the engine reads from the configuration. `Config` satisfies it. */
export interface EngineConfig {
  mode: EngineMode;
  safety: SafetyLimits;
  /** Missing keys take {@link DEFAULT_ENGINE_LIMITS}. */
  engine?: Partial<EngineLimits>;
  /** Reconciliation with Alertmanager (reconcile.ts); absent or no `urls`: off. */
  alertmanager?: { urls: readonly string[]; reconcileMs: number; graceMs: number; timeoutMs: number };
}

/** The engine limits in force: the configured ones over the defaults. */
export function engineLimits(config: EngineConfig): EngineLimits {
  return { ...DEFAULT_ENGINE_LIMITS, ...definedOnly(config.engine ?? {}) };
}

/** The guard settings for one decision; `paused` comes from the store (replicas agree on it). */
export function guardSettings(config: EngineConfig, paused: boolean): GuardSettings {
  const limits = engineLimits(config);
  return {
    mode: config.mode,
    paused,
    limits: {
      maxTopicsPerIncident: limits.maxTopicsPerIncident,
      maxClientsPerIncident: limits.maxClientsPerIncident,
      minQuotaByteRate: config.safety.minQuotaByteRate,
      minRetentionMs: config.safety.minRetentionMs,
      protectedTopics: [...config.safety.protectedTopics],
    },
    defaults: { cooldownMs: limits.cooldownMs, maxRunsPerHour: limits.maxRunsPerHour },
  };
}

/**
 * The safety limits an action of this runbook runs with: floors raised and protected topics
 * extended by the runbook's policy, so the action refuses what the guards would block even if a
 * guard were bypassed.
 */
export function actionLimits(config: EngineConfig, policy: RunbookPolicy): SafetyLimits {
  return {
    minQuotaByteRate: Math.max(config.safety.minQuotaByteRate, policy.minQuotaByteRate ?? 0),
    minRetentionMs: Math.max(config.safety.minRetentionMs, policy.minRetentionMs ?? 0),
    protectedTopics: [...config.safety.protectedTopics, ...policy.protectedTopics],
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
