/**
 * Which steps of a runbook a trigger runs, and in what order (docs/engine.md):
 * - `firing`: the steps with `on: firing`, in runbook order;
 * - `resolved`: first the reverts of the executed `revert: on-resolve` steps, newest first, then
 *   the steps with `on: resolved`, in runbook order.
 */
import type { AlertStatus } from '../model/incident.ts';
import type { Runbook, RunbookStep } from '../runbooks/types.ts';

/** The steps a notification of status `trigger` runs, in order. */
export function stepsFor(runbook: Runbook, trigger: AlertStatus): RunbookStep[] {
  return runbook.steps.filter((s) => s.on === trigger);
}

/** Steps undone automatically when the incident resolves, in the order they are undone. */
export function revertedOnResolve(runbook: Runbook): RunbookStep[] {
  return runbook.steps.filter((s) => s.mutating && s.revert === 'on-resolve').reverse();
}
