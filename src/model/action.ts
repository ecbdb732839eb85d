/**
 * The part of the action contract other stages share without depending on the actions
 * themselves: how a change is undone, the safety limits every action enforces, where
 * notifications go. The contract itself (Action, ActionContext, Plan...) is src/actions/types.ts.
 */

/** `on-resolve`: undone when the alert resolves; `manual`: only by a person; `never`. */
export const REVERT_MODES = ['on-resolve', 'manual', 'never'] as const;
export type RevertMode = (typeof REVERT_MODES)[number];

/** Limits no runbook can lift (defaults in config; actions enforce the hard floors). */
export interface SafetyLimits {
  /** Lowest byte-rate quota firebreak will set, bytes/s (never below 1). */
  minQuotaByteRate: number;
  /** Lowest retention.ms firebreak will set (never below 60000). */
  minRetentionMs: number;
  /** Topic name patterns (anchored regex sources) that are never changed; `__*` is always protected. */
  protectedTopics: string[];
}

export const HARD_LIMITS = {
  minQuotaByteRate: 1,
  minRetentionMs: 60_000,
} as const;

/** `slack`: Slack-compatible incoming webhook (`{"text": ...}`); `webhook`: generic JSON. */
export const NOTIFY_TARGET_KINDS = ['slack', 'webhook'] as const;

/** A named notification target (`notify.targets.<name>` in the configuration). */
export interface NotifyTarget {
  url: string;
  kind: (typeof NOTIFY_TARGET_KINDS)[number];
}
