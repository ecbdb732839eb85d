/**
 * The engine's settings: the configured mode (the store's shared one wins, {@link modeInForce}), the hard safety limits every action also enforces,
 * the per-incident caps and the default cooldown and rate limit a runbook's policy may replace.
 * The configuration (src/config/) provides them; tests build them with {@link engineSettings}.
 */
import type { SafetyLimits } from '../model/action.ts';
import { DEFAULT_ENGINE_LIMITS, type AutomationState, type EngineLimits, type Mode } from '../model/engine.ts';
import type { GuardSettings } from './guards.ts';
import type { RunbookPolicy } from '../runbooks/types.ts';

/** What the engine reads from the configuration. `Config` satisfies it. */
export interface EngineConfig {
  mode: Mode;
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

/**
 * The mode in force: the one shared through the store (every replica agrees on it, docs/engine.md
 * "Mode"), or the configured one before any replica recorded it.
 */
export function modeInForce(config: Pick<EngineConfig, 'mode'>, automation: Pick<AutomationState, 'modeSetting'>): Mode {
  return automation.modeSetting?.mode ?? config.mode;
}

/** The guard settings for one decision; the pause switch and the mode come from the store (replicas agree on them). */
export function guardSettings(config: EngineConfig, automation: Pick<AutomationState, 'paused' | 'modeSetting'>): GuardSettings {
  const limits = engineLimits(config);
  const paused = automation.paused;
  return {
    mode: modeInForce(config, automation),
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
