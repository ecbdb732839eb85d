/**
 * The store interface, shaped by the domain rather than by tables. Every backend (SQLite now,
 * PostgreSQL later) implements it and passes the one contract suite in
 * test/integration/store/contract.ts.
 *
 * Durability contract: when a method's promise resolves, what it wrote is committed durably
 * (the webhook acks only after `appendNotification` resolves).
 *
 * Errors: FirebreakError with STORE_* codes (STORE_UNAVAILABLE is retriable), NOT_FOUND for
 * unknown ids (statusCode 404).
 */
import type {
  ActionItem,
  Alert,
  Incident,
  IncidentStatus,
  NewTimelineEntry,
  RoleAssignment,
  StoredNotification,
  TimelineEntry,
} from '../incidents/model.ts';

export interface IncidentQuery {
  status?: IncidentStatus[];
  /** Only incidents opened at or after this time (ISO). */
  since?: string;
  /** Only incidents opened before this time (ISO). */
  until?: string;
  /** Page size, 1..500. */
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Present when more items follow. */
  nextCursor: string | null;
}

/** The record of one alert state seen, deduplicated by (fingerprint, status, startsAt). */
export interface AlertEvent {
  incidentId: string;
  alert: Alert;
  notificationId: number;
  receivedAt: string;
}

export type NewIncident = Omit<Incident, 'id' | 'updatedAt'>;

/**
 * Operations that run inside one transaction. Processing one notification (dedupe, open or
 * update incidents, append timeline entries, mark processed) is one transaction, so a crash
 * mid-way leaves it unprocessed and it is replayed whole at the next start.
 */
export interface StoreTx {
  /**
   * Records an alert state. Returns false (and writes nothing) when the same
   * fingerprint + status + startsAt was already recorded: a duplicate delivery.
   */
  recordAlertEvent(event: AlertEvent): Promise<boolean>;
  /** Alert states recorded for an incident, oldest first. */
  alertEvents(incidentId: string): Promise<AlertEvent[]>;
  /** The newest incident with this key that is not closed, or null. */
  findActiveIncidentByKey(key: string): Promise<Incident | null>;
  /** Which incident an alert fingerprint was last attached to, or null. */
  findIncidentByFingerprint(fingerprint: string): Promise<Incident | null>;
  createIncident(incident: NewIncident): Promise<Incident>;
  updateIncident(id: string, patch: Partial<Omit<Incident, 'id'>>): Promise<Incident>;
  getIncident(id: string): Promise<Incident | null>;
  appendTimeline(entry: NewTimelineEntry): Promise<TimelineEntry>;
  markNotificationProcessed(id: number, at: string, error?: string | null): Promise<void>;
  assignRole(incidentId: string, assignment: RoleAssignment): Promise<void>;
  addActionItem(item: Omit<ActionItem, 'id'>): Promise<ActionItem>;
}

export interface Store extends StoreTx {
  /** Creates or upgrades the schema (numbered migrations, applied once, in order). */
  migrate(): Promise<void>;
  /** Cheap check that the store answers (readiness probe). */
  ping(): Promise<void>;
  close(): Promise<void>;

  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;

  /** Durably appends a received webhook body; resolves with its id once committed. */
  appendNotification(payload: unknown, receivedAt: string): Promise<StoredNotification>;
  /** Notifications not yet processed, oldest first (for start-up replay). */
  unprocessedNotifications(limit: number): Promise<StoredNotification[]>;
  getNotification(id: number): Promise<StoredNotification | null>;

  listIncidents(query: IncidentQuery): Promise<Page<Incident>>;
  countIncidentsByStatus(): Promise<Record<IncidentStatus, number>>;

  /** Timeline of an incident, in append order. */
  timeline(incidentId: string, options?: { afterId?: number; limit?: number }): Promise<TimelineEntry[]>;

  roles(incidentId: string): Promise<RoleAssignment[]>;
  actionItems(incidentId: string): Promise<ActionItem[]>;
}
