/**
 * The incident domain model shared by ingest, the engine, the store, the HTTP API and the
 * post-mortem. Times are ISO-8601 UTC strings (what the store keeps and the API returns).
 *
 * Each vocabulary is declared once, here, as a list; its type, the JSON Schemas of the API and the
 * store's SQL CHECK constraints derive from (or are tested against) the list.
 */

/** Every incident status, in lifecycle order (docs/incidents.md has the transitions). */
export const INCIDENT_STATUSES = ['open', 'contained', 'resolved', 'recovered', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** The incident-response phases, in order (a timeline entry may belong to none). */
export const PHASES = ['preparation', 'identification', 'containment', 'eradication', 'recovery', 'lessons-learned'] as const;
export type Phase = (typeof PHASES)[number];

/** The phases a runbook step can belong to. */
export const STEP_PHASES = ['identification', 'containment', 'eradication', 'recovery'] as const satisfies readonly Phase[];
export type StepPhase = (typeof STEP_PHASES)[number];

/** Incident roles, in the order they are listed (the store's `roles()`, the post-mortem). */
export const ROLE_NAMES = ['commander', 'tech-lead', 'communications', 'scribe'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

export type Severity = string;

/** An alert's status, and so a notification's and a run's trigger. */
export const ALERT_STATUSES = ['firing', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** One alert as Alertmanager describes it (webhook payload v4), normalised. */
export interface Alert {
  fingerprint: string;
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  /** null when Alertmanager sent the zero time (unset). */
  endsAt: string | null;
  generatorURL: string | null;
}

/** The webhook payload as received (version "4"); unknown fields are kept in `raw`. */
export interface Notification {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: AlertStatus;
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: Alert[];
}

export interface StoredNotification {
  id: number;
  receivedAt: string;
  /** The body exactly as parsed from the request. */
  payload: unknown;
  processedAt: string | null;
  /**
   * Set when processing failed permanently, or left alerts out that cannot be read (stable error
   * code + message: `INCIDENT_INVALID_NOTIFICATION: ...`, `INCIDENT_ALERT_REJECTED: ...`).
   */
  error: string | null;
}

export interface Incident {
  id: string;
  /** Grouping key: which alerts share this incident (groupKey, or runbook groupBy labels). */
  key: string;
  title: string;
  severity: string | null;
  cluster: string | null;
  status: IncidentStatus;
  runbook: string | null;
  labels: Record<string, string>;
  /** When the first alert of the incident started firing (Alertmanager's startsAt). */
  startedAt: string;
  /** When firebreak opened the incident (first notification processed). */
  openedAt: string;
  containedAt: string | null;
  resolvedAt: string | null;
  recoveredAt: string | null;
  closedAt: string | null;
  updatedAt: string;
}

/** What a timeline entry records (docs/incidents.md lists what each means). */
export const TIMELINE_KINDS = [
  'incident.opened',
  'incident.status',
  'incident.storm',
  'alert.firing',
  'alert.resolved',
  'runbook.matched',
  'runbook.unmatched',
  'run.started',
  'run.finished',
  'run.interrupted',
  'step.planned',
  'step.started',
  'step.succeeded',
  'step.failed',
  'step.skipped',
  'step.blocked',
  /** The effect of a change, judged after it had time to act (src/engine/verify.ts). */
  'step.verified',
  'approval.requested',
  'approval.granted',
  'approval.rejected',
  'approval.expired',
  'revert.started',
  'revert.succeeded',
  'revert.conflict',
  'revert.failed',
  'release.scheduled',
  'release.check',
  'release.step',
  'release.step-back',
  'release.cancelled',
  'release.held',
  'release.hold-lifted',
  'release.too-early',
  'incident.escalated',
  'note',
  'role.assigned',
  'action-item.added',
  /** A status update for stakeholders (what we know, what we do, next update at). */
  'status.update',
  'annotation.created',
  'annotation.failed',
  /** A notification to a chat target that could not be delivered (src/record/notifier.ts). */
  'notification.failed',
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export interface TimelineEntry {
  id: number;
  incidentId: string;
  at: string;
  phase: Phase | null;
  kind: TimelineKind;
  /** `alertmanager`, `engine`, or a named person (operator token name). */
  actor: string;
  summary: string;
  data: Record<string, unknown>;
}

export type NewTimelineEntry = Omit<TimelineEntry, 'id'>;

export interface RoleAssignment {
  role: RoleName;
  person: string;
  assignedAt: string;
  assignedBy: string;
}

export interface ActionItem {
  id: number;
  incidentId: string;
  title: string;
  owner: string | null;
  dueDate: string | null;
  createdAt: string;
  createdBy: string;
}
