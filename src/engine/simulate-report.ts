/**
 * What a simulation reports, read back from the timeline the engine wrote on the simulation's
 * private store: per run, each step of the trigger in order with the engine's own record of it
 * (decision, rendered parameters, plan, error, evidence), and, because a simulation does not
 * execute everything, which steps have no real output and which later verdicts read it.
 */
import type { Plan } from '../actions/types.ts';
import type { TimelineEntry } from '../model/incident.ts';
import { isTemplate, type TemplateEngine } from '../runbooks/template.ts';
import type { Runbook, RunbookStep } from '../runbooks/types.ts';
import type { EngineRun } from '../model/engine.ts';
import type { GuardDecision } from './guards.ts';
import { revertedOnResolve, stepsFor } from './steps.ts';

export interface SimulationProblem {
  code: string;
  message: string;
}

export interface SimulatedStep {
  id: string;
  action: string;
  phase: string;
  on: string;
  mutating: boolean;
  revert: string;
  approval: 'required' | 'none';
  /**
   * What the engine recorded for the step: `succeeded`, `failed`, `skipped`, `blocked`,
   * `dry-run`, `waiting-approval`; `not-reached` when the run ended or parked before it. A change
   * that `succeeded` was planned, not applied: a simulation changes nothing.
   */
  status: string;
  /** The `when:` result; null without `when` (or when it could not be evaluated). */
  condition: boolean | null;
  /** The parameters the action would receive (rendered, validated, defaults filled in). */
  params: Record<string, unknown> | null;
  /** The guards' decision; null when the step could not be evaluated (see `error`). */
  decision: GuardDecision | null;
  plan: Plan | null;
  /** Why a change has no plan (the action refused, or it needs the cluster and none was given). */
  planError: SimulationProblem | null;
  /** The error the engine would fail the step with. */
  error: SimulationProblem | null;
  /** The real output of evidence the simulation gathered. */
  output?: unknown;
  /** Why this step's real output is not in the simulation (it was not executed), or null. */
  notGathered: string | null;
  /**
   * Earlier steps whose output this step's `when:` or parameters read, and that the simulation
   * did not gather: with that evidence, the verdict may differ.
   */
  dependsOn: Array<{ step: string; reason: string }>;
}

export interface SimulatedRun {
  id: number;
  trigger: 'firing' | 'resolved';
  /** The alert that asked for the run. */
  fingerprint: string;
  /** How the run ended: succeeded, failed, blocked, waiting-approval... */
  outcome: string;
  detail: string | null;
  /** Resolved runs: the steps whose changes are undone first, newest first, when they are in place. */
  reverts: string[];
  steps: SimulatedStep[];
}

/** Earlier steps a step's `when:` and `with` read (`steps.<id>.output...`). */
export function outputsRead(step: RunbookStep, templates: TemplateEngine): string[] {
  const sources: Array<{ text: string; kind: 'text' | 'expression' }> = [];
  if (step.when !== null) sources.push({ text: step.when, kind: 'expression' });
  collectTemplates(step.with, sources);
  const read = new Set<string>();
  for (const { text, kind } of sources) {
    for (const segments of templates.check(text, kind).variables) {
      if (segments[0] === 'steps' && segments[1] !== undefined && (segments[2] === undefined || segments[2] === 'output')) read.add(segments[1]);
    }
  }
  return [...read];
}

function collectTemplates(value: unknown, out: Array<{ text: string; kind: 'text' | 'expression' }>): void {
  if (typeof value === 'string') {
    if (isTemplate(value)) out.push({ text: value, kind: 'text' });
  } else if (Array.isArray(value)) {
    for (const item of value) collectTemplates(item, out);
  } else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) collectTemplates(item, out);
  }
}

const STATUS_OF: Partial<Record<TimelineEntry['kind'], string>> = {
  'step.skipped': 'skipped',
  'step.blocked': 'blocked',
  'step.planned': 'dry-run',
  'step.started': 'running',
  'step.succeeded': 'succeeded',
  'step.failed': 'failed',
  'approval.requested': 'waiting-approval',
};

function problem(value: unknown): SimulationProblem | null {
  if (typeof value !== 'object' || value === null) return null;
  const { code, message } = value as { code?: unknown; message?: unknown };
  return typeof code === 'string' ? { code, message: typeof message === 'string' ? message : '' } : null;
}

export interface ReportContext {
  /** Why a step's output is not real in this simulation (it was not executed), or null. */
  notGathered(step: RunbookStep): string | null;
  templates: TemplateEngine;
  /** Enforce mode: a change the engine would apply has output the simulation does not have. */
  enforce: boolean;
}

/** The report of one run from the timeline the engine wrote. */
export function reportRun(run: EngineRun, runbook: Runbook, timeline: readonly TimelineEntry[], ctx: ReportContext): SimulatedRun {
  const { templates } = ctx;
  const missing = new Map<string, string>();
  const steps = stepsFor(runbook, run.trigger).map((step): SimulatedStep => {
    const entries = timeline.filter((e) => STATUS_OF[e.kind] !== undefined && e.data.runId === run.id && e.data.stepId === step.id && e.data.revert !== true);
    const last = entries.at(-1);
    // step.started has the plan, step.succeeded the output: read them together.
    const data = Object.assign({}, ...entries.map((e) => e.data)) as Record<string, unknown>;
    const decision = (data.decision ?? null) as GuardDecision | null;
    const error = last?.kind === 'step.failed' ? problem(data.error) : null;
    const status = last === undefined ? 'not-reached' : (STATUS_OF[last.kind] as string);
    const reached = last !== undefined && status !== 'skipped' && status !== 'blocked' && status !== 'failed';
    const why = reached ? ctx.notGathered(step) : null;
    const dependsOn = outputsRead(step, templates).flatMap((id) => {
      const reason = missing.get(id);
      return reason === undefined ? [] : [{ step: id, reason }];
    });
    const simulated: SimulatedStep = {
      id: step.id,
      action: step.action,
      phase: step.phase,
      on: step.on,
      mutating: step.mutating,
      revert: step.revert,
      approval: step.approval,
      status,
      condition: step.when === null ? null : decision?.reason === 'condition-false' ? false : decision === null ? null : true,
      params: (data.params ?? null) as Record<string, unknown> | null,
      decision,
      plan: (data.plan ?? null) as Plan | null,
      planError: problem(data.planError),
      error,
      notGathered: why,
      dependsOn,
    };
    if (last?.kind === 'step.succeeded' && why === null && !step.mutating) simulated.output = data.output ?? null;
    // What later steps read of this one differs from a real run when it was not executed for
    // real, when it is a change enforce mode would apply, or when it read such a step itself.
    if (why !== null) missing.set(step.id, why);
    else if (step.mutating && ctx.enforce && status === 'succeeded') missing.set(step.id, 'the change was planned, not applied, so it has no output');
    else if (dependsOn.length > 0) missing.set(step.id, `it read ${dependsOn.map((d) => `steps.${d.step}`).join(', ')} itself`);
    return simulated;
  });
  return {
    id: run.id,
    trigger: run.trigger,
    fingerprint: run.alert.fingerprint,
    outcome: run.status,
    detail: run.detail,
    reverts: run.trigger === 'resolved' ? revertedOnResolve(runbook).map((s) => s.id) : [],
    steps,
  };
}
