/**
 * The SQL behind the Store-only members: the notification journal, incident listing and counts,
 * and reading timelines, roles and action items.
 */
import { INCIDENT_STATUSES, ROLE_NAMES, type ActionItem, type Incident, type IncidentStatus, type RoleAssignment, type StoredNotification, type TimelineEntry } from '../../model/incident.ts';
import { checkAfterId, checkPositiveLimit, incidentListConditions, isIncidentStatus, nextCursorOf } from '../query.ts';
import { integer } from '../rows/columns.ts';
import { INCIDENT_COLUMNS, toActionItem, toIncident, toNotification, toRoleAssignment, toTimelineEntry } from '../rows/incident-rows.ts';
import { incidentSummariesSql, toIncidentSummary } from '../incident-summaries.ts';
import type { IncidentQuery, IncidentSummary, Page, UnprocessedQuery } from '../types.ts';
import { appendedNotification, serializePayload } from '../json-text.ts';
import type { IncidentOperations } from './incident-operations.ts';
import type { Sql } from './sql.ts';

export class LedgerOperations {
  readonly #incidents: IncidentOperations;

  constructor(incidents: IncidentOperations) {
    this.#incidents = incidents;
  }

  /** One INSERT, committed on its own: it does not wait for the transaction lock (see store.ts). */
  async appendNotification(sql: Sql, payload: unknown, receivedAt: string): Promise<StoredNotification> {
    const json = serializePayload(payload);
    const { rows } = await sql.query('appendNotification', 'INSERT INTO notifications (received_at, payload) VALUES ($1, $2) RETURNING id', [receivedAt, json]);
    return appendedNotification(integer(rows[0] ?? {}, 'id'), receivedAt, payload);
  }

  async unprocessedNotifications(sql: Sql, limit: number, query: UnprocessedQuery = {}): Promise<StoredNotification[]> {
    const afterId = query.afterId === undefined ? 0 : checkAfterId(query.afterId);
    const maxBytes = query.maxBytes === undefined ? Infinity : checkPositiveLimit(query.maxBytes, 'maxBytes');
    // The running total of the bodies' lengths, so a page bounded in bytes parses no body it drops.
    const { rows } = await sql.query(
      'unprocessedNotifications',
      `SELECT id, received_at, processed_at, error, length(payload) AS bytes,
              CASE WHEN sum(length(payload)) OVER (ORDER BY id) - length(payload) < $3 OR row_number() OVER (ORDER BY id) = 1 THEN payload END AS payload
       FROM notifications WHERE processed_at IS NULL AND id > $1 ORDER BY id LIMIT $2`,
      [afterId, checkPositiveLimit(limit), maxBytes === Infinity ? Number.MAX_SAFE_INTEGER : maxBytes],
    );
    const page: StoredNotification[] = [];
    let bytes = 0;
    for (const row of rows) {
      bytes += Number(row.bytes);
      if (page.length > 0 && bytes > maxBytes) break;
      page.push(toNotification(row));
    }
    return page;
  }

  async getNotification(sql: Sql, id: number): Promise<StoredNotification | null> {
    const { rows } = await sql.query('getNotification', 'SELECT * FROM notifications WHERE id = $1', [id]);
    return rows[0] === undefined ? null : toNotification(rows[0]);
  }

  /** Newest opened first, ties broken by id; the keyset cursor (openedAt, id) resumes exactly after the last item. */
  async listIncidents(sql: Sql, query: IncidentQuery): Promise<Page<Incident>> {
    const values: unknown[] = [];
    const param = (value: unknown) => `$${values.push(value)}`;
    const { conditions, limit } = incidentListConditions(query, param);
    const { rows } = await sql.query(
      'listIncidents',
      `SELECT ${INCIDENT_COLUMNS} FROM incidents
       ${conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`}
       ORDER BY opened_ms DESC, id DESC LIMIT ${param(limit + 1)}`,
      values,
    );
    return { items: rows.slice(0, limit).map(toIncident), nextCursor: nextCursorOf(rows, limit) };
  }

  /** The page of {@link listIncidents} with each incident's approvals waiting and changes in place, in one statement. */
  async incidentSummaries(sql: Sql, query: IncidentQuery): Promise<Page<IncidentSummary>> {
    const values: unknown[] = [];
    const param = (value: unknown) => `$${values.push(value)}`;
    const { conditions, limit } = incidentListConditions(query, param);
    const { rows } = await sql.query('incidentSummaries', incidentSummariesSql(conditions, param(limit + 1), 'true'), values);
    return { items: rows.slice(0, limit).map(toIncidentSummary), nextCursor: nextCursorOf(rows, limit) };
  }

  async countIncidentsByStatus(sql: Sql): Promise<Record<IncidentStatus, number>> {
    const counts = Object.fromEntries(INCIDENT_STATUSES.map((s) => [s, 0])) as Record<IncidentStatus, number>;
    const { rows } = await sql.query('countIncidentsByStatus', 'SELECT status, COUNT(*) AS n FROM incidents GROUP BY status');
    for (const row of rows) {
      if (isIncidentStatus(row.status)) counts[row.status] = Number(row.n);
    }
    return counts;
  }

  async lastTimelineId(sql: Sql): Promise<number> {
    const { rows } = await sql.query('lastTimelineId', 'SELECT COALESCE(MAX(id), 0) AS id FROM timeline', []);
    return Number(rows[0]?.id ?? 0);
  }

  /** Without a limit, the whole rest of the timeline (the post-mortem reads it all). */
  async timeline(sql: Sql, incidentId: string, options: { afterId?: number; limit?: number } = {}): Promise<TimelineEntry[]> {
    const afterId = options.afterId === undefined ? 0 : checkAfterId(options.afterId);
    // LIMIT NULL is no limit.
    const limit = options.limit === undefined ? null : checkPositiveLimit(options.limit);
    await this.#incidents.requireIncident(sql, incidentId);
    const { rows } = await sql.query('timeline', 'SELECT * FROM timeline WHERE incident_id = $1 AND id > $2 ORDER BY id LIMIT $3', [incidentId, afterId, limit]);
    return rows.map(toTimelineEntry);
  }

  /** Current holders, in the fixed order commander, tech-lead, communications, scribe. */
  async roles(sql: Sql, incidentId: string): Promise<RoleAssignment[]> {
    await this.#incidents.requireIncident(sql, incidentId);
    const { rows } = await sql.query('roles', 'SELECT * FROM incident_roles WHERE incident_id = $1', [incidentId]);
    return rows.map(toRoleAssignment).sort((a, b) => ROLE_NAMES.indexOf(a.role) - ROLE_NAMES.indexOf(b.role));
  }

  async actionItems(sql: Sql, incidentId: string): Promise<ActionItem[]> {
    await this.#incidents.requireIncident(sql, incidentId);
    const { rows } = await sql.query('actionItems', 'SELECT * FROM action_items WHERE incident_id = $1 ORDER BY id', [incidentId]);
    return rows.map(toActionItem);
  }
}
