/**
 * The one rule every reversible Kafka action follows when it undoes a change, as a pure
 * function: for each key it changed, compare the live value with what it applied.
 * - live == applied (and applied != prior): firebreak's change is still in place → restore prior;
 * - live == prior: already back where it was (an earlier revert, or nothing ever changed) → nothing;
 * - anything else: someone changed it behind firebreak's back → leave it alone, report a conflict.
 * `null` stands for "not set" (no quota, no dynamic config) and compares like any value.
 */
import type { Change, RevertOutcome } from '../../types.ts';

export interface RevertItem<V> {
  resource: string;
  key: string;
  prior: V | null;
  applied: V | null;
  live: V | null;
}

export interface RevertDecision<V> {
  /** Changes to make now, from the applied value back to the prior one. */
  restore: Array<Change & { from: V | null; to: V | null }>;
  conflicts: Array<{ resource: string; key: string; expected: V | null; actual: V | null }>;
}

export function decideRevert<V>(items: Array<RevertItem<V>>): RevertDecision<V> {
  const decision: RevertDecision<V> = { restore: [], conflicts: [] };
  for (const { resource, key, prior, applied, live } of items) {
    if (live === applied && applied !== prior) {
      decision.restore.push({ resource, key, from: applied, to: prior });
    } else if (live !== prior) {
      decision.conflicts.push({ resource, key, expected: applied, actual: live });
    }
  }
  return decision;
}

/**
 * The outcome reported once the restorable keys have been restored. A conflict wins over a
 * partial success so it is never missed; the keys that were restored are listed with it.
 */
export function revertOutcome<V>(decision: RevertDecision<V>): RevertOutcome {
  if (decision.conflicts.length > 0) {
    return { status: 'conflict', conflicts: decision.conflicts, changes: decision.restore };
  }
  if (decision.restore.length > 0) return { status: 'reverted', changes: decision.restore };
  return { status: 'already-reverted' };
}
