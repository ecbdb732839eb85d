/**
 * What firebreak would do with a notification, touching nothing: no store, no change to the
 * cluster. For each alert: the runbook that handles it (or none), the incident key, and for each
 * step of the trigger the `when` result, the rendered parameters, the action's plan (when a
 * Kafka admin is given; plans only read) and the guard decision. `firebreak simulate` prints it.
 *
 * A simulation has no history: no earlier run, change or approval, and the automation is not
 * paused unless said so. Earlier steps of the run are assumed to have succeeded (or to have been
 * planned, blocked... as decided) with no output, so a template that reads a step's output shows
 * as an error of the simulation, naming the variable, unless the caller asks for evidence
 * (`gatherEvidence`): then those read-only steps are executed and their real output is used.
 */
import type { ActionRegistry } from '../actions/registry.ts';
import type { Plan } from '../actions/types.ts';
import type { KafkaAdmin } from '../actions/kafka/types.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { silentLogger, type Logger } from '../core/logger.ts';
import { toFirebreakError, type FirebreakError } from '../errors.ts';
import { incidentTitle } from '../incidents/describe.ts';
import type { Alert, Incident, Notification } from '../incidents/model.ts';
import { normalizeNotification, toIso } from '../incidents/normalize.ts';
import { incidentKey, matchingRunbooks, unmatchedIncidentKey } from '../runbooks/select.ts';
import { TemplateEngine } from '../runbooks/template.ts';
import type { Runbook } from '../runbooks/types.ts';
import { templateContext, type StepState } from './context.ts';
import { evaluateStep, type EvaluateDeps } from './evaluate.ts';
import type { GuardDecision } from './guards.ts';
import type { ActionContextExtras } from './runtime.ts';
import { actionLimits, guardSettings, type EngineConfig } from './settings.ts';
import { revertedOnResolve, stepsFor } from './steps.ts';

export interface SimulationDeps {
  /** The runbooks in force (a RunbookSet's `runbooks`). */
  runbooks: readonly Runbook[];
  registry: ActionRegistry;
  /** When given, mutating steps are planned against the live cluster (reads only). */
  kafka?: KafkaAdmin | null;
  config: EngineConfig;
  /** The time the guards decide at, epoch ms. */
  now: number;
  /** Simulate with the automation paused. Default false. */
  paused?: boolean;
  /** Clock and logger handed to the actions' `plan` (default: system clock, silent). */
  clock?: Clock;
  logger?: Logger;
  /** The rest of the actions' context for `plan` (the integrations' settings), as the engine has it. */
  actionContext?: ActionContextExtras;
  /**
   * Read-only steps whose action this returns true for are executed (not only decided), so later
   * steps' templates see their real output, e.g. the largest topics a retention cut acts on.
   * Only for actions that read and send nothing (Kafka evidence); default: none is executed.
   */
  gatherEvidence?: (action: string) => boolean;
}

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
  /** The `when:` result; null without `when` (or when it could not be evaluated). */
  condition: boolean | null;
  /** Rendered, validated parameters; null when not rendered. */
  params: Record<string, unknown> | null;
  /** The guards' decision; null when the step could not be evaluated (see `error`). */
  decision: GuardDecision | null;
  /** The action's plan (mutating steps with a Kafka admin only). */
  plan: Plan | null;
  /** Why a mutating step has no plan (no Kafka admin, or the action refused to plan). */
  planError: SimulationProblem | null;
  /** A template or parameter problem: the engine would fail the step with it. */
  error: SimulationProblem | null;
  /** What the step returned when it was executed to gather evidence (see `gatherEvidence`). */
  output?: unknown;
}

export interface SimulatedAlert {
  fingerprint: string;
  status: Alert['status'];
  labels: Record<string, string>;
  /** The runbook that handles the alert, or null (the incident gathers evidence only). */
  runbook: string | null;
  /** Every matching runbook, best first (the first one wins). */
  matching: string[];
  incidentKey: string;
  /** `firing` or `resolved`: which steps run. */
  trigger: Alert['status'];
  /** Resolved alerts: the steps whose changes would be undone, in revert order, if they ran. */
  reverts: string[];
  steps: SimulatedStep[];
  /** Follow-up action items the runbook would add (rendered), or the problem rendering one. */
  followUps: Array<{ title: string | null; error: SimulationProblem | null }>;
}

export interface Simulation {
  mode: EngineConfig['mode'];
  paused: boolean;
  groupKey: string;
  alerts: SimulatedAlert[];
}

function problem(err: FirebreakError | null): SimulationProblem | null {
  return err === null ? null : { code: err.code, message: err.message };
}

const NO_KAFKA: SimulationProblem = {
  code: 'ENGINE_KAFKA_NOT_CONFIGURED',
  message: 'no Kafka admin given to the simulation: the change was not planned, so floors, caps and protected topics were not checked',
};

/**
 * Simulates one webhook payload (see the module comment).
 *
 * @throws FirebreakError INCIDENT_INVALID_NOTIFICATION when the payload is not a v4 notification.
 */
export async function simulateNotification(deps: SimulationDeps, payload: unknown): Promise<Simulation> {
  const notification = normalizeNotification(payload);
  const paused = deps.paused ?? false;
  const templates = new TemplateEngine();
  const alerts: SimulatedAlert[] = [];
  for (const alert of notification.alerts) {
    alerts.push(await simulateAlert(deps, { templates, paused }, notification, alert));
  }
  return { mode: deps.config.mode, paused, groupKey: notification.groupKey, alerts };
}

async function simulateAlert(
  deps: SimulationDeps,
  shared: { templates: TemplateEngine; paused: boolean },
  notification: Notification,
  alert: Alert,
): Promise<SimulatedAlert> {
  const matching = matchingRunbooks(deps.runbooks, alert.labels);
  const runbook = matching[0] ?? null;
  const key = runbook === null ? unmatchedIncidentKey(notification.groupKey) : incidentKey(runbook, alert);
  const trigger = alert.status;
  const base: SimulatedAlert = {
    fingerprint: alert.fingerprint,
    status: alert.status,
    labels: { ...alert.labels },
    runbook: runbook?.name ?? null,
    matching: matching.map((r) => r.name),
    incidentKey: key,
    trigger,
    reverts: [],
    steps: [],
    followUps: [],
  };
  if (runbook === null) return base;

  const incident: Incident = {
    id: 'INC-SIMULATION',
    key,
    title: incidentTitle(alert, notification),
    severity: alert.labels.severity ?? null,
    cluster: alert.labels.cluster ?? null,
    status: trigger === 'firing' ? 'open' : 'resolved',
    runbook: runbook.name,
    labels: { ...notification.commonLabels },
    startedAt: alert.startsAt,
    openedAt: toIso(deps.now),
    containedAt: null,
    resolvedAt: null,
    recoveredAt: null,
    closedAt: null,
    updatedAt: toIso(deps.now),
  };
  const kafka = deps.kafka ?? null;
  const limits = actionLimits(deps.config, runbook.policy);
  const evaluateDeps: EvaluateDeps = {
    registry: deps.registry,
    templates: shared.templates,
    plan:
      kafka === null
        ? null
        : (action, params) => action.plan({ ...deps.actionContext, kafka, clock: deps.clock ?? systemClock, logger: deps.logger ?? silentLogger(), limits }, params),
  };
  const states: Record<string, StepState> = {};
  const settings = guardSettings(deps.config, shared.paused);
  if (trigger === 'resolved') base.reverts = revertedOnResolve(runbook).map((s) => s.id);

  for (const step of stepsFor(runbook, trigger)) {
    const context = templateContext({ incident, alert, steps: states, params: runbook.params, trigger });
    const evaluation = await evaluateStep(evaluateDeps, {
      runbook,
      step,
      context,
      facts: {
        runId: 'simulation',
        incident: { id: incident.id, status: incident.status },
        history: { runs: [], executedSteps: [], touched: { topics: [], clients: [] }, approval: null },
        trigger,
        now: deps.now,
        settings,
      },
    });
    const unplanned = step.mutating && kafka === null && evaluation.decision?.reason === 'plan-unavailable';
    base.steps.push({
      id: step.id,
      action: step.action,
      phase: step.phase,
      on: step.on,
      mutating: step.mutating,
      revert: step.revert,
      approval: step.approval,
      condition: evaluation.condition,
      params: evaluation.params,
      decision: evaluation.decision,
      plan: evaluation.plan,
      planError: problem(evaluation.planError) ?? (unplanned ? NO_KAFKA : null),
      error: problem(evaluation.error),
    });
    states[step.id] = { status: simulatedStatus(evaluation.decision, evaluation.error), output: null };
    const simulated = base.steps[base.steps.length - 1] as SimulatedStep;
    if (!step.mutating && kafka !== null && evaluation.params !== null && evaluation.decision?.verdict === 'run' && deps.gatherEvidence?.(step.action) === true) {
      try {
        const params = evaluation.params;
        const context = { ...deps.actionContext, kafka, clock: deps.clock ?? systemClock, logger: deps.logger ?? silentLogger(), limits };
        simulated.output = (await deps.registry.get(step.action).execute(context, params)).output ?? null;
        states[step.id] = { status: 'succeeded', output: simulated.output };
      } catch (err) {
        simulated.error = problem(toFirebreakError(err));
        states[step.id] = { status: 'failed', output: null };
      }
    }
  }

  const context = templateContext({ incident, alert, steps: states, params: runbook.params, trigger });
  for (const source of runbook.followUps) {
    try {
      base.followUps.push({ title: String(shared.templates.render(source, context, 'followUps')), error: null });
    } catch (err) {
      base.followUps.push({ title: null, error: problem(toFirebreakError(err)) });
    }
  }
  return base;
}

/** The status a later step's templates see for a simulated step (as if it had worked). */
function simulatedStatus(decision: GuardDecision | null, error: FirebreakError | null): string {
  if (error !== null || decision === null) return 'failed';
  switch (decision.verdict) {
    case 'run':
      return 'succeeded';
    case 'dry-run':
      return 'dry-run';
    case 'wait-approval':
      return 'waiting-approval';
    case 'skip':
      return 'skipped';
    case 'block':
      return 'blocked';
  }
}
