/**
 * The SQL behind {@link StoreTx} for incidents: alert events, incidents, timeline appends, roles,
 * action items, marking notifications processed. PostgresStore decides whether a call runs in
 * an explicit transaction; these methods never open or close one.
 *
 * No statement here is expected to fail: in PostgreSQL a failed statement aborts the whole
 * transaction, so an unknown incident is found by a read first (NOT_FOUND, the transaction
 * still usable) and duplicates are absorbed by ON CONFLICT, never caught.
 */
import type { Clock } from '../../core/clock.ts';
import { FirebreakError } from '../../errors.ts';
import type { ActionItem, Incident, NewTimelineEntry, RoleAssignment, TimelineEntry } from '../../model/incident.ts';
import { invalidValue, notFound } from '../errors.ts';
import { isRoleName, valueTime } from '../query.ts';
import { INCIDENT_COLUMNS, toAlertEvent, toIncident } from '../rows/incident-rows.ts';
import { integer } from '../rows/columns.ts';
import type { AlertEvent, AlertStateCounts, NewIncident } from '../types.ts';
import { incidentValues, jsonText, patchedIncident } from '../values.ts';
import type { Sql } from './sql.ts';

/** Attempts at drawing a fresh incident id when one collides (another replica, same ms). */
const ID_ATTEMPTS = 5;

const PLACEHOLDERS = (count: number, start = 1) => Array.from({ length: count }, (_, i) => `$${start + i}`).join(', ');

export class IncidentOperations {
  readonly #clock: Clock;
  readonly #nextId: () => string;

  constructor(clock: Clock, nextId: () => string) {
    this.#clock = clock;
    this.#nextId = nextId;
  }

  /** Throws NOT_FOUND unless the incident exists. */
  async requireIncident(sql: Sql, id: string): Promise<void> {
    const { rowCount } = await sql.query('requireIncident', 'SELECT 1 FROM incidents WHERE id = $1', [id]);
    if (rowCount === 0) throw notFound('incident', id);
  }

  async recordAlertEvent(sql: Sql, event: AlertEvent): Promise<boolean> {
    const { alert } = event;
    if (alert.status !== 'firing' && alert.status !== 'resolved') {
      throw invalidValue(`unknown alert status ${String(alert.status)}`, { field: 'alert.status' });
    }
    const startsMs = valueTime(alert.startsAt, 'alert.startsAt');
    const endsMs = alert.endsAt === null || alert.endsAt === undefined ? null : valueTime(alert.endsAt, 'alert.endsAt');
    await this.requireIncident(sql, event.incidentId);
    const { rowCount } = await sql.query(
      'recordAlertEvent',
      `INSERT INTO alert_events (incident_id, fingerprint, status, starts_at, alert, notification_id, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (fingerprint, status, starts_at) DO NOTHING`,
      [event.incidentId, alert.fingerprint, alert.status, alert.startsAt, jsonText(alert, 'alert'), event.notificationId, event.receivedAt],
    );
    if (rowCount !== 1) return false;
    // The incident's current state of this alert moves only forward (alert-state.ts).
    await sql.query(
      'recordAlertEvent',
      `INSERT INTO alert_current (incident_id, fingerprint, status, starts_ms, ends_at, ends_ms) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (incident_id, fingerprint) DO UPDATE
         SET status = EXCLUDED.status, starts_ms = EXCLUDED.starts_ms, ends_at = EXCLUDED.ends_at, ends_ms = EXCLUDED.ends_ms
         WHERE EXCLUDED.starts_ms > alert_current.starts_ms
            OR (EXCLUDED.starts_ms = alert_current.starts_ms AND EXCLUDED.status = 'resolved' AND alert_current.status = 'firing')`,
      [event.incidentId, alert.fingerprint, alert.status, startsMs, alert.endsAt ?? null, endsMs],
    );
    return true;
  }

  async alertStates(sql: Sql, fingerprint: string): Promise<AlertEvent[]> {
    const { rows } = await sql.query('alertStates', 'SELECT * FROM alert_events WHERE fingerprint = $1 ORDER BY id', [fingerprint]);
    return rows.map(toAlertEvent);
  }

  async alertStateCounts(sql: Sql, incidentId: string): Promise<AlertStateCounts> {
    await this.requireIncident(sql, incidentId);
    const { rows } = await sql.query(
      'alertStateCounts',
      `SELECT count(*) FILTER (WHERE status = 'firing') AS firing,
              count(*) FILTER (WHERE status = 'resolved') AS resolved,
              count(*) FILTER (WHERE status = 'resolved' AND ends_ms IS NULL) AS unended,
              (SELECT ends_at FROM alert_current l WHERE l.incident_id = $1 AND l.status = 'resolved' AND l.ends_ms IS NOT NULL
               ORDER BY l.ends_ms DESC LIMIT 1) AS latest
       FROM alert_current WHERE incident_id = $1`,
      [incidentId],
    );
    const row = rows[0] ?? {};
    return {
      firing: Number(row.firing ?? 0),
      resolved: Number(row.resolved ?? 0),
      resolvedWithoutEnd: Number(row.unended ?? 0),
      latestEnd: row.latest === null || row.latest === undefined ? null : String(row.latest),
    };
  }

  async alertEvents(sql: Sql, incidentId: string): Promise<AlertEvent[]> {
    await this.requireIncident(sql, incidentId);
    const { rows } = await sql.query('alertEvents', 'SELECT * FROM alert_events WHERE incident_id = $1 ORDER BY id', [incidentId]);
    return rows.map(toAlertEvent);
  }

  async findActiveIncidentByKey(sql: Sql, key: string): Promise<Incident | null> {
    const { rows } = await sql.query(
      'findActiveIncidentByKey',
      `SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE key = $1 AND status <> 'closed'
       ORDER BY opened_ms DESC, id DESC LIMIT 1`,
      [key],
    );
    return rows[0] === undefined ? null : toIncident(rows[0]);
  }

  async findIncidentByFingerprint(sql: Sql, fingerprint: string): Promise<Incident | null> {
    const { rows } = await sql.query(
      'findIncidentByFingerprint',
      `SELECT ${INCIDENT_COLUMNS.split(', ').map((c) => `i.${c}`).join(', ')}
       FROM alert_events e JOIN incidents i ON i.id = e.incident_id
       WHERE e.fingerprint = $1 ORDER BY e.id DESC LIMIT 1`,
      [fingerprint],
    );
    return rows[0] === undefined ? null : toIncident(rows[0]);
  }

  async getIncident(sql: Sql, id: string): Promise<Incident | null> {
    const { rows } = await sql.query('getIncident', `SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE id = $1`, [id]);
    return rows[0] === undefined ? null : toIncident(rows[0]);
  }

  async createIncident(sql: Sql, incident: NewIncident): Promise<Incident> {
    const updatedAt = new Date(this.#clock.now()).toISOString();
    for (let attempt = 1; ; attempt++) {
      const id = this.#nextId();
      const { rows } = await sql.query(
        'createIncident',
        `INSERT INTO incidents (${INCIDENT_COLUMNS}) VALUES (${PLACEHOLDERS(16)})
         ON CONFLICT (id) DO NOTHING RETURNING ${INCIDENT_COLUMNS}`,
        incidentValues({ ...incident, id, updatedAt }),
      );
      if (rows[0] !== undefined) return toIncident(rows[0]);
      if (attempt >= ID_ATTEMPTS) throw new FirebreakError('STORE_CONSTRAINT', `no free incident id after ${ID_ATTEMPTS} attempts`, { statusCode: 409 });
    }
  }

  async updateIncident(sql: Sql, id: string, patch: Partial<Omit<Incident, 'id'>>): Promise<Incident> {
    const current = await this.getIncident(sql, id);
    if (current === null) throw notFound('incident', id);
    const next = patchedIncident(current, patch, this.#clock);
    const [, ...values] = incidentValues(next);
    const { rows } = await sql.query(
      'updateIncident',
      `UPDATE incidents SET key = $1, title = $2, severity = $3, cluster = $4, status = $5, runbook = $6, labels = $7,
         started_at = $8, opened_at = $9, opened_ms = $10, contained_at = $11, resolved_at = $12, recovered_at = $13,
         closed_at = $14, updated_at = $15
       WHERE id = $16 RETURNING ${INCIDENT_COLUMNS}`,
      [...values, id],
    );
    return toIncident(rows[0] as NonNullable<(typeof rows)[0]>);
  }

  async appendTimeline(sql: Sql, entry: NewTimelineEntry): Promise<TimelineEntry> {
    const data = jsonText(entry.data ?? {}, 'data');
    await this.requireIncident(sql, entry.incidentId);
    const { rows } = await sql.query(
      'appendTimeline',
      'INSERT INTO timeline (incident_id, at, phase, kind, actor, summary, data) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id',
      [entry.incidentId, entry.at, entry.phase ?? null, entry.kind, entry.actor, entry.summary, data],
    );
    return { ...entry, phase: entry.phase ?? null, data: JSON.parse(data) as Record<string, unknown>, id: integer(rows[0] ?? {}, 'id') };
  }

  async markNotificationProcessed(sql: Sql, id: number, at: string, error: string | null = null): Promise<void> {
    const { rowCount } = await sql.query('markNotificationProcessed', 'UPDATE notifications SET processed_at = $1, error = $2 WHERE id = $3', [at, error, id]);
    if (rowCount === 0) throw notFound('notification', id);
  }

  async assignRole(sql: Sql, incidentId: string, assignment: RoleAssignment): Promise<void> {
    if (!isRoleName(assignment.role)) {
      throw invalidValue(`unknown role ${String(assignment.role)}`, { field: 'role' });
    }
    await this.requireIncident(sql, incidentId);
    await sql.query(
      'assignRole',
      `INSERT INTO incident_roles (incident_id, role, person, assigned_at, assigned_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (incident_id, role) DO UPDATE
         SET person = excluded.person, assigned_at = excluded.assigned_at, assigned_by = excluded.assigned_by`,
      [incidentId, assignment.role, assignment.person, assignment.assignedAt, assignment.assignedBy],
    );
  }

  async addActionItem(sql: Sql, item: Omit<ActionItem, 'id'>): Promise<ActionItem> {
    await this.requireIncident(sql, item.incidentId);
    const { rows } = await sql.query(
      'addActionItem',
      `INSERT INTO action_items (incident_id, title, owner, due_date, created_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [item.incidentId, item.title, item.owner ?? null, item.dueDate ?? null, item.createdAt, item.createdBy],
    );
    return { ...item, owner: item.owner ?? null, dueDate: item.dueDate ?? null, id: integer(rows[0] ?? {}, 'id') };
  }
}
