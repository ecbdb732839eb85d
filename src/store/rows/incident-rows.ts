/**
 * Rows to domain objects, for every SQL backend. A column of an unexpected type means the data was changed behind
 * firebreak's back; that is reported as STORE_QUERY_FAILED naming the column, not passed on.
 */
import type {
  ActionItem,
  Alert,
  Incident,
  IncidentStatus,
  Phase,
  RoleAssignment,
  RoleName,
  StoredNotification,
  TimelineEntry,
  TimelineKind,
} from '../../model/incident.ts';
import type { AlertEvent } from '../types.ts';
import { type Row, integer, json, text, textOrNull } from './columns.ts';

export function toIncident(row: Row): Incident {
  return {
    id: text(row, 'id'),
    key: text(row, 'key'),
    title: text(row, 'title'),
    severity: textOrNull(row, 'severity'),
    cluster: textOrNull(row, 'cluster'),
    status: text(row, 'status') as IncidentStatus,
    runbook: textOrNull(row, 'runbook'),
    labels: json<Record<string, string>>(row, 'labels'),
    startedAt: text(row, 'started_at'),
    openedAt: text(row, 'opened_at'),
    containedAt: textOrNull(row, 'contained_at'),
    resolvedAt: textOrNull(row, 'resolved_at'),
    recoveredAt: textOrNull(row, 'recovered_at'),
    closedAt: textOrNull(row, 'closed_at'),
    updatedAt: text(row, 'updated_at'),
  };
}

/** Incident columns in table order, so SELECTs and the mapper agree. */
export const INCIDENT_COLUMNS =
  'id, key, title, severity, cluster, status, runbook, labels, started_at, opened_at, opened_ms, ' +
  'contained_at, resolved_at, recovered_at, closed_at, updated_at';

export function toNotification(row: Row): StoredNotification {
  return {
    id: integer(row, 'id'),
    receivedAt: text(row, 'received_at'),
    payload: json<unknown>(row, 'payload'),
    processedAt: textOrNull(row, 'processed_at'),
    error: textOrNull(row, 'error'),
  };
}

export function toAlertEvent(row: Row): AlertEvent {
  return {
    incidentId: text(row, 'incident_id'),
    alert: json<Alert>(row, 'alert'),
    notificationId: integer(row, 'notification_id'),
    receivedAt: text(row, 'received_at'),
  };
}

export function toTimelineEntry(row: Row): TimelineEntry {
  return {
    id: integer(row, 'id'),
    incidentId: text(row, 'incident_id'),
    at: text(row, 'at'),
    phase: textOrNull(row, 'phase') as Phase | null,
    kind: text(row, 'kind') as TimelineKind,
    actor: text(row, 'actor'),
    summary: text(row, 'summary'),
    data: json<Record<string, unknown>>(row, 'data'),
  };
}

export function toRoleAssignment(row: Row): RoleAssignment {
  return {
    role: text(row, 'role') as RoleName,
    person: text(row, 'person'),
    assignedAt: text(row, 'assigned_at'),
    assignedBy: text(row, 'assigned_by'),
  };
}

export function toActionItem(row: Row): ActionItem {
  return {
    id: integer(row, 'id'),
    incidentId: text(row, 'incident_id'),
    title: text(row, 'title'),
    owner: textOrNull(row, 'owner'),
    dueDate: textOrNull(row, 'due_date'),
    createdAt: text(row, 'created_at'),
    createdBy: text(row, 'created_by'),
  };
}
