/**
 * One step from runbook text to a guard decision, without side effects: evaluate `when`, render
 * and validate the parameters, plan the change (mutating steps only, and only when every guard
 * that does not need a plan lets it through), ask the guards. The engine executes what this
 * returns; the simulation only reports it.
 */
import type { ActionRegistry } from '../actions/registry.ts';
import type { Action, Plan } from '../actions/types.ts';
import { toFirebreakError, type FirebreakError } from '../errors.ts';
import { catalogFromRegistry, renderStepParams } from '../runbooks/params.ts';
import type { TemplateContext, TemplateEngine } from '../runbooks/template.ts';
import type { Runbook, RunbookStep } from '../runbooks/types.ts';
import { decide, type GuardDecision, type GuardInput, type GuardStep, type PlanSummary } from './guards.ts';
import { summarizePlan, summarizeRefusal } from './plan-summary.ts';

export interface EvaluateDeps {
  registry: ActionRegistry;
  templates: TemplateEngine;
  /**
   * Plans a mutating step (reads live state, changes nothing). Null when no plan can be made
   * (a simulation without a cluster): the guards then see no plan.
   */
  plan: ((action: Action, params: Record<string, unknown>) => Promise<Plan>) | null;
}

/** What the guards see besides the step, its condition and its plan. */
export type GuardFacts = Omit<GuardInput, 'step' | 'condition' | 'plan' | 'policy'>;

export interface StepEvaluation {
  /** The `when:` result; null when the step has none or it failed to evaluate. */
  condition: boolean | null;
  /** Rendered and validated parameters; null when not rendered (condition false, or an error). */
  params: Record<string, unknown> | null;
  plan: Plan | null;
  /** Why there is no plan for a mutating step that needed one. */
  planError: FirebreakError | null;
  summary: PlanSummary | null;
  /** Null when the step could not be evaluated (`error` says why). */
  decision: GuardDecision | null;
  /** A template or parameter problem: the step fails with it. */
  error: FirebreakError | null;
}

/** The guards' view of a runbook step. */
export function guardStep(step: RunbookStep): GuardStep {
  return {
    id: step.id,
    phase: step.phase,
    on: step.on,
    mutating: step.mutating,
    approval: step.approval,
    approvalTimeoutMs: step.approvalTimeoutMs,
  };
}

/** Evaluates one step (see the module comment). Never throws for problems of the step itself. */
export async function evaluateStep(
  deps: EvaluateDeps,
  input: { runbook: Runbook; step: RunbookStep; context: TemplateContext; facts: GuardFacts },
): Promise<StepEvaluation> {
  const { runbook, step, context, facts } = input;
  const out: StepEvaluation = { condition: null, params: null, plan: null, planError: null, summary: null, decision: null, error: null };
  const ask = (plan: PlanSummary | null, condition: boolean | null): GuardDecision =>
    decide({ ...facts, step: guardStep(step), condition, plan, policy: runbook.policy });

  if (step.when !== null) {
    try {
      out.condition = deps.templates.evaluateCondition(step.when, context, `step "${step.id}" when`);
    } catch (err) {
      out.error = toFirebreakError(err);
      return out;
    }
    if (!out.condition) {
      out.decision = ask(null, false);
      return out;
    }
  }
  try {
    out.params = renderStepParams(step, context, {
      templates: deps.templates,
      catalog: catalogFromRegistry(deps.registry),
      validateParams: (action, params) => deps.registry.validateParams(action, params),
    });
  } catch (err) {
    out.error = toFirebreakError(err);
    return out;
  }
  const first = ask(null, out.condition);
  // Only a mutating step that every earlier guard lets through needs its plan: a paused engine or
  // a cooldown never touches the cluster, not even to read.
  if (!step.mutating || first.reason !== 'plan-unavailable' || deps.plan === null) {
    out.decision = first;
    return out;
  }
  try {
    out.plan = await deps.plan(deps.registry.get(step.action), out.params);
    out.summary = summarizePlan(out.plan);
  } catch (err) {
    out.planError = toFirebreakError(err);
    out.summary = summarizeRefusal(out.planError);
  }
  out.decision = ask(out.summary, out.condition);
  return out;
}
