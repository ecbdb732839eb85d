/**
 * Rows to domain objects. A column of an unexpected type means the file was changed behind
 * firebreak's back; that is reported as STORE_QUERY_FAILED naming the column, not passed on.
 */
import { FirebreakError } from '../../errors.ts';
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
} from '../../incidents/model.ts';
import type { AlertEvent } from '../types.ts';
import type { Row } from './statements.ts';

function bad(column: string, value: unknown): FirebreakError {
  return new FirebreakError('STORE_QUERY_FAILED', `column ${column} holds an unexpected value`, {
    details: { column, type: typeof value },
  });
}

function text(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw bad(column, value);
  return value;
}

function textOrNull(row: Row, column: string): string | null {
  const value = row[column];
  if (value === null) return null;
  if (typeof value !== 'string') throw bad(column, value);
  return value;
}

function integer(row: Row, column: string): number {
  const value = row[column];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw bad(column, value);
  return value;
}

function json<T>(row: Row, column: string): T {
  try {
    return JSON.parse(text(row, column)) as T;
  } catch (err) {
    throw err instanceof FirebreakError ? err : bad(column, row[column]);
  }
}

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
