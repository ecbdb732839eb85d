/**
 * The data a step's templates see (`labels`, `alert`, `incident`, `steps`...), built from the
 * incident, the alert that asked for the run and the steps of the run so far.
 */
import type { Alert, AlertStatus, Incident } from '../model/incident.ts';
import type { TemplateContext } from '../runbooks/template.ts';

/** What a template may read about one earlier step of the run. */
export interface StepState {
  /** `succeeded`, `failed`, `skipped`, `blocked`, `dry-run`, `waiting-approval`. */
  status: string;
  output: unknown;
}

export function templateContext(input: {
  incident: Pick<Incident, 'id' | 'key' | 'title' | 'status' | 'severity' | 'cluster' | 'runbook' | 'startedAt' | 'openedAt'>;
  alert: Alert;
  steps: Readonly<Record<string, StepState>>;
  params: Record<string, unknown>;
  trigger: AlertStatus;
}): TemplateContext {
  const { incident, alert } = input;
  return {
    labels: { ...alert.labels },
    annotations: { ...alert.annotations },
    alert: {
      fingerprint: alert.fingerprint,
      status: alert.status,
      startsAt: alert.startsAt,
      endsAt: alert.endsAt,
      generatorURL: alert.generatorURL,
    },
    incident: {
      id: incident.id,
      key: incident.key,
      title: incident.title,
      status: incident.status,
      severity: incident.severity,
      cluster: incident.cluster,
      runbook: incident.runbook,
      startedAt: incident.startedAt,
      openedAt: incident.openedAt,
    },
    steps: Object.fromEntries(Object.entries(input.steps).map(([id, s]) => [id, { status: s.status, output: s.output }])),
    params: { ...input.params },
    trigger: input.trigger,
  };
}
