/**
 * A release's recovery condition, checked through the `prometheus.query` action of the registry
 * (the prometheus integration: `prometheus.url`), one instant query with the step's `expect`.
 * Read-only. Held when every series satisfies the expectation; not held when it does not, and
 * also when the query cannot be answered (no Prometheus, a bad query, a timeout): an unknown
 * condition never releases a change. The error is kept for the timeline.
 */
import { toFirebreakError } from '../errors.ts';
import type { ReleaseSpec, StepClaim } from '../model/engine.ts';
import { stepTimeout } from './errors.ts';
import { withTimeout } from './execute.ts';
import { actionContext, type Runtime } from './runtime.ts';
import { engineLimits } from './settings.ts';

export interface ConditionCheck {
  held: boolean;
  /** The query's value when it had one series, else null. */
  value: unknown;
  /** `CODE: message` when the condition could not be evaluated. */
  error: string | null;
}

const CONDITION_ACTION = 'prometheus.query';

export async function checkCondition(rt: Runtime, claim: Pick<StepClaim, 'stepId' | 'id'>, spec: ReleaseSpec): Promise<ConditionCheck> {
  const condition = spec.condition;
  if (condition === null) return { held: true, value: null, error: null };
  const timeoutMs = engineLimits(rt.config).stepTimeoutMs;
  try {
    const params = rt.registry.validateParams(CONDITION_ACTION, { query: condition.query, expect: condition.expect, onEmpty: condition.onEmpty, top: 5 });
    const action = rt.registry.get(CONDITION_ACTION);
    const limits = { ...rt.config.safety, protectedTopics: [...rt.config.safety.protectedTopics] };
    const result = await withTimeout(
      (signal) => action.execute(actionContext(rt, limits, signal, rt.logger.child({ claimId: claim.id })), params),
      timeoutMs,
      () => stepTimeout(`${claim.stepId} (release condition)`, CONDITION_ACTION, timeoutMs, false),
      rt.stop,
    );
    const output = result.output as { value?: unknown } | null;
    return { held: true, value: output?.value ?? null, error: null };
  } catch (err) {
    const error = toFirebreakError(err);
    if (error.code === 'PROMETHEUS_EXPECTATION_NOT_MET') {
      const values = error.details?.['values'];
      const first = Array.isArray(values) && values.length === 1 ? (values[0] as { value?: unknown }).value : null;
      return { held: false, value: first ?? null, error: null };
    }
    return { held: false, value: null, error: `${error.code}: ${error.message}` };
  }
}
