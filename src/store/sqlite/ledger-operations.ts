/**
 * The synchronous SQL behind the Store-only members: the notification journal, incident listing
 * and counts, and reading timelines, roles and action items.
 */
import type { SQLInputValue } from 'node:sqlite';
import { INCIDENT_STATUSES, ROLE_NAMES, type ActionItem, type Incident, type IncidentStatus, type RoleAssignment, type StoredNotification, type TimelineEntry } from '../../model/incident.ts';
import { checkAfterId, checkPositiveLimit, incidentListConditions, isIncidentStatus, nextCursorOf } from '../query.ts';
import { incidentSummariesSql, toIncidentSummary } from '../incident-summaries.ts';
import type { IncidentQuery, IncidentSummary, Page, UnprocessedQuery } from '../types.ts';
import type { IncidentOperations } from './incident-operations.ts';
import { INCIDENT_COLUMNS, toActionItem, toIncident, toNotification, toRoleAssignment, toTimelineEntry } from '../rows/incident-rows.ts';
import type { Statements } from './statements.ts';

export class LedgerOperations {
  readonly #sql: Statements;
  readonly #incidents: IncidentOperations;

  constructor(sql: Statements, incidents: IncidentOperations) {
    this.#sql = sql;
    this.#incidents = incidents;
  }

  /** Inserts a body already serialised by {@link serializePayload}; returns its id. */
  insertNotification(json: string, receivedAt: string): number {
    return this.#sql.run('appendNotification', 'INSERT INTO notifications (received_at, payload) VALUES (?, ?)', [receivedAt, json]).lastInsertRowid;
  }

  /**
   * Inserts a body from the inbox journal under the id the journal gave it. Importing the same
   * record again changes nothing (it returns the id). Should another writer of this file have
   * taken the id for a different body meanwhile, the body gets a new id: never dropped.
   */
  importNotification(id: number, json: string, receivedAt: string): number {
    const { changes } = this.#sql.run('importNotification', 'INSERT INTO notifications (id, received_at, payload) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING', [
      id,
      receivedAt,
      json,
    ]);
    if (changes > 0) return id;
    const row = this.#sql.get('importNotification', 'SELECT received_at, payload FROM notifications WHERE id = ?', id);
    return row?.received_at === receivedAt && row.payload === json ? id : this.insertNotification(json, receivedAt);
  }

  /** The highest notification id the store ever gave (ids are never given twice), 0 for none. */
  notificationSequence(): number {
    const row = this.#sql.get('notificationSequence', "SELECT seq FROM sqlite_sequence WHERE name = 'notifications'");
    return row === undefined ? 0 : Number(row.seq);
  }

  unprocessedNotifications(limit: number, query: UnprocessedQuery = {}): StoredNotification[] {
    const afterId = query.afterId === undefined ? 0 : checkAfterId(query.afterId);
    const maxBytes = query.maxBytes === undefined ? Infinity : checkPositiveLimit(query.maxBytes, 'maxBytes');
    const page: StoredNotification[] = [];
    let bytes = 0;
    // Row by row, so a page bounded in bytes reads (and parses) no body it does not return.
    for (const row of this.#sql.iterate(
      'unprocessedNotifications',
      'SELECT * FROM notifications WHERE processed_at IS NULL AND id > ? ORDER BY id LIMIT ?',
      afterId,
      checkPositiveLimit(limit),
    )) {
      bytes += String(row.payload).length;
      if (page.length > 0 && bytes > maxBytes) break;
      page.push(toNotification(row));
    }
    return page;
  }

  getNotification(id: number): StoredNotification | null {
    const row = this.#sql.get('getNotification', 'SELECT * FROM notifications WHERE id = ?', id);
    return row === undefined ? null : toNotification(row);
  }

  /**
   * Newest opened first; ties on openedAt broken by id, so the order is total and a keyset cursor
   * (openedAt, id) of the last item resumes exactly after it: incidents inserted meanwhile never
   * make a page repeat or skip one that already existed.
   */
  listIncidents(query: IncidentQuery): Page<Incident> {
    const params: SQLInputValue[] = [];
    const { conditions, limit } = incidentListConditions(query, (value) => (params.push(value), '?'));
    const rows = this.#sql.all(
      'listIncidents',
      `SELECT ${INCIDENT_COLUMNS} FROM incidents
       ${conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`}
       ORDER BY opened_ms DESC, id DESC LIMIT ?`,
      ...params,
      limit + 1,
    );
    return { items: rows.slice(0, limit).map(toIncident), nextCursor: nextCursorOf(rows, limit) };
  }

  /** The page of {@link listIncidents} with each incident's approvals waiting and changes in place, in one statement. */
  incidentSummaries(query: IncidentQuery): Page<IncidentSummary> {
    const params: SQLInputValue[] = [];
    const { conditions, limit } = incidentListConditions(query, (value) => (params.push(value), '?'));
    const rows = this.#sql.all('incidentSummaries', incidentSummariesSql(conditions, '?', '1'), ...params, limit + 1);
    return { items: rows.slice(0, limit).map(toIncidentSummary), nextCursor: nextCursorOf(rows, limit) };
  }

  countIncidentsByStatus(): Record<IncidentStatus, number> {
    const counts = Object.fromEntries(INCIDENT_STATUSES.map((s) => [s, 0])) as Record<IncidentStatus, number>;
    for (const row of this.#sql.all(
      'countIncidentsByStatus',
      'SELECT status, COUNT(*) AS n FROM incidents GROUP BY status',
    )) {
      if (isIncidentStatus(row.status)) counts[row.status] = Number(row.n);
    }
    return counts;
  }

  lastTimelineId(): number {
    return Number(this.#sql.get('lastTimelineId', 'SELECT COALESCE(MAX(id), 0) AS id FROM timeline')?.id ?? 0);
  }

  /** Without a limit, the whole rest of the timeline (the post-mortem reads it all). */
  timeline(incidentId: string, options: { afterId?: number; limit?: number } = {}): TimelineEntry[] {
    const afterId = options.afterId === undefined ? 0 : checkAfterId(options.afterId);
    // SQLite reads a negative LIMIT as "no limit".
    const limit = options.limit === undefined ? -1 : checkPositiveLimit(options.limit);
    this.#incidents.requireIncident(incidentId);
    return this.#sql
      .all(
        'timeline',
        'SELECT * FROM timeline WHERE incident_id = ? AND id > ? ORDER BY id LIMIT ?',
        incidentId,
        afterId,
        limit,
      )
      .map(toTimelineEntry);
  }

  /** Current holders, in the fixed order commander, tech-lead, communications, scribe. */
  roles(incidentId: string): RoleAssignment[] {
    this.#incidents.requireIncident(incidentId);
    return this.#sql
      .all('roles', 'SELECT * FROM incident_roles WHERE incident_id = ?', incidentId)
      .map(toRoleAssignment)
      .sort((a, b) => ROLE_NAMES.indexOf(a.role) - ROLE_NAMES.indexOf(b.role));
  }

  actionItems(incidentId: string): ActionItem[] {
    this.#incidents.requireIncident(incidentId);
    return this.#sql
      .all('actionItems', 'SELECT * FROM action_items WHERE incident_id = ? ORDER BY id', incidentId)
      .map(toActionItem);
  }
}
