/**
 * The synchronous SQL behind {@link StoreTx}: alert events, incidents, timeline appends, roles,
 * action items, marking notifications processed. The caller (SqliteStore) decides whether a call
 * runs inside an explicit transaction; these methods never open or close one.
 */
import type { Clock } from '../../core/clock.ts';
import type {
  ActionItem,
  Incident,
  NewTimelineEntry,
  RoleAssignment,
  TimelineEntry,
} from '../../model/incident.ts';
import { invalidValue, notFound } from '../errors.ts';
import { isRoleName, valueTime } from '../query.ts';
import { incidentValues, jsonText, patchedIncident } from '../values.ts';
import type { AlertEvent, AlertStateCounts, NewIncident } from '../types.ts';
import { INCIDENT_COLUMNS, toAlertEvent, toIncident } from '../rows/incident-rows.ts';

const INCIDENT_COLUMN_NAMES = INCIDENT_COLUMNS.split(', ');

/** The incident a row holding `values` (incidentValues, in INCIDENT_COLUMNS order) reads back as. */
function incidentFromValues(values: ReadonlyArray<string | number | null>): Incident {
  return toIncident(Object.fromEntries(INCIDENT_COLUMN_NAMES.map((name, i) => [name, values[i] ?? null])));
}
import { SQLITE_CONSTRAINT_FOREIGNKEY, SQLITE_CONSTRAINT_PRIMARYKEY, sqliteCode } from './sqlite-errors.ts';
import type { Statements } from './statements.ts';

/** Attempts at drawing a fresh incident id when one collides (another replica, same ms). */
const ID_ATTEMPTS = 5;

/** Internal signal: the drawn id already exists, draw another. Never escapes this module. */
const COLLISION = new Error('incident id collision');

export class IncidentOperations {
  readonly #sql: Statements;
  readonly #clock: Clock;
  readonly #nextId: () => string;

  constructor(sql: Statements, clock: Clock, nextId: () => string) {
    this.#sql = sql;
    this.#clock = clock;
    this.#nextId = nextId;
  }

  /** Throws NOT_FOUND unless the incident exists. */
  requireIncident(id: string): void {
    if (this.#sql.get('requireIncident', 'SELECT 1 AS found FROM incidents WHERE id = ?', id) === undefined) {
      throw notFound('incident', id);
    }
  }

  /** Turns a failed foreign key on incident_id into NOT_FOUND for that incident. */
  #unknownIncident(incidentId: string): (err: unknown) => Error | undefined {
    return (err) => (sqliteCode(err) === SQLITE_CONSTRAINT_FOREIGNKEY ? notFound('incident', incidentId) : undefined);
  }

  recordAlertEvent(event: AlertEvent): boolean {
    const { alert } = event;
    if (alert.status !== 'firing' && alert.status !== 'resolved') {
      throw invalidValue(`unknown alert status ${String(alert.status)}`, { field: 'alert.status' });
    }
    const startsMs = valueTime(alert.startsAt, 'alert.startsAt');
    const endsMs = alert.endsAt === null || alert.endsAt === undefined ? null : valueTime(alert.endsAt, 'alert.endsAt');
    const { changes } = this.#sql.run(
      'recordAlertEvent',
      `INSERT INTO alert_events (incident_id, fingerprint, status, starts_at, alert, notification_id, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (fingerprint, status, starts_at) DO NOTHING`,
      [
        event.incidentId,
        alert.fingerprint,
        alert.status,
        alert.startsAt,
        jsonText(alert, 'alert'),
        event.notificationId,
        event.receivedAt,
      ],
      this.#unknownIncident(event.incidentId),
    );
    if (changes !== 1) return false;
    // The incident's current state of this alert moves only forward (alert-state.ts).
    this.#sql.run(
      'recordAlertEvent',
      `INSERT INTO alert_current (incident_id, fingerprint, status, starts_ms, ends_at, ends_ms) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (incident_id, fingerprint) DO UPDATE
         SET status = excluded.status, starts_ms = excluded.starts_ms, ends_at = excluded.ends_at, ends_ms = excluded.ends_ms
         WHERE excluded.starts_ms > alert_current.starts_ms
            OR (excluded.starts_ms = alert_current.starts_ms AND excluded.status = 'resolved' AND alert_current.status = 'firing')`,
      [event.incidentId, alert.fingerprint, alert.status, startsMs, alert.endsAt ?? null, endsMs],
    );
    return true;
  }

  alertEvents(incidentId: string): AlertEvent[] {
    this.requireIncident(incidentId);
    return this.#sql
      .all('alertEvents', 'SELECT * FROM alert_events WHERE incident_id = ? ORDER BY id', incidentId)
      .map(toAlertEvent);
  }

  alertStates(fingerprint: string): AlertEvent[] {
    return this.#sql
      .all('alertStates', 'SELECT * FROM alert_events WHERE fingerprint = ? ORDER BY id', fingerprint)
      .map(toAlertEvent);
  }

  alertStateCounts(incidentId: string): AlertStateCounts {
    this.requireIncident(incidentId);
    // Each a range of the (incident_id, status, ends_ms) index: no row of the table is read.
    const count = (status: string, unended: boolean): number =>
      Number(
        this.#sql.get(
          'alertStateCounts',
          `SELECT COUNT(*) AS n FROM alert_current WHERE incident_id = ? AND status = ?${unended ? ' AND ends_ms IS NULL' : ''}`,
          incidentId,
          status,
        )?.n ?? 0,
      );
    const latest = this.#sql.get(
      'alertStateCounts',
      `SELECT ends_at FROM alert_current WHERE incident_id = ? AND status = 'resolved' AND ends_ms IS NOT NULL
       ORDER BY ends_ms DESC LIMIT 1`,
      incidentId,
    );
    return {
      firing: count('firing', false),
      resolved: count('resolved', false),
      resolvedWithoutEnd: count('resolved', true),
      latestEnd: latest === undefined ? null : String(latest.ends_at),
    };
  }

  findActiveIncidentByKey(key: string): Incident | null {
    const row = this.#sql.get(
      'findActiveIncidentByKey',
      `SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE key = ? AND status <> 'closed'
       ORDER BY opened_ms DESC, id DESC LIMIT 1`,
      key,
    );
    return row === undefined ? null : toIncident(row);
  }

  findIncidentByFingerprint(fingerprint: string): Incident | null {
    const row = this.#sql.get(
      'findIncidentByFingerprint',
      `SELECT ${INCIDENT_COLUMNS.split(', ').map((c) => `i.${c}`).join(', ')}
       FROM alert_events e JOIN incidents i ON i.id = e.incident_id
       WHERE e.fingerprint = ? ORDER BY e.id DESC LIMIT 1`,
      fingerprint,
    );
    return row === undefined ? null : toIncident(row);
  }

  getIncident(id: string): Incident | null {
    const row = this.#sql.get('getIncident', `SELECT ${INCIDENT_COLUMNS} FROM incidents WHERE id = ?`, id);
    return row === undefined ? null : toIncident(row);
  }

  createIncident(incident: NewIncident): Incident {
    const updatedAt = new Date(this.#clock.now()).toISOString();
    for (let attempt = 1; ; attempt++) {
      const id = this.#nextId();
      const collided = (err: unknown): Error | undefined =>
        sqliteCode(err) === SQLITE_CONSTRAINT_PRIMARYKEY && attempt < ID_ATTEMPTS ? COLLISION : undefined;
      try {
        this.#sql.run(
          'createIncident',
          `INSERT INTO incidents (${INCIDENT_COLUMNS}) VALUES (${Array(16).fill('?').join(', ')})`,
          incidentValues({ ...incident, id, updatedAt }),
          collided,
        );
      } catch (err) {
        if (err === COLLISION) continue;
        throw err;
      }
      return this.getIncident(id) as Incident;
    }
  }

  updateIncident(id: string, patch: Partial<Omit<Incident, 'id'>>): Incident {
    const current = this.getIncident(id);
    if (current === null) throw notFound('incident', id);
    const next = patchedIncident(current, patch, this.#clock);
    const before = incidentValues(current);
    const row = incidentValues(next);
    // Only the columns that change: an index whose columns are not set is left alone (processing
    // sets updatedAt, or a status, far more often than the key or the opening time).
    const changed = INCIDENT_COLUMN_NAMES.flatMap((name, i) => (i > 0 && row[i] !== before[i] ? [name] : []));
    if (changed.length > 0) {
      this.#sql.run(
        'updateIncident',
        `UPDATE incidents SET ${changed.map((name) => `${name} = ?`).join(', ')} WHERE id = ?`,
        [...changed.map((name) => row[INCIDENT_COLUMN_NAMES.indexOf(name)] ?? null), id],
      );
    }
    // What a read of the row would give (the columns hold exactly these values), without the read.
    return incidentFromValues(row);
  }

  appendTimeline(entry: NewTimelineEntry): TimelineEntry {
    const data = jsonText(entry.data ?? {}, 'data');
    const { lastInsertRowid } = this.#sql.run(
      'appendTimeline',
      'INSERT INTO timeline (incident_id, at, phase, kind, actor, summary, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [
        entry.incidentId,
        entry.at,
        entry.phase ?? null,
        entry.kind,
        entry.actor,
        entry.summary,
        data,
      ],
      this.#unknownIncident(entry.incidentId),
    );
    return { ...entry, phase: entry.phase ?? null, data: JSON.parse(data) as Record<string, unknown>, id: lastInsertRowid };
  }

  markNotificationProcessed(id: number, at: string, error: string | null = null): void {
    const { changes } = this.#sql.run(
      'markNotificationProcessed',
      'UPDATE notifications SET processed_at = ?, error = ? WHERE id = ?',
      [at, error, id],
    );
    if (changes === 0) throw notFound('notification', id);
  }

  assignRole(incidentId: string, assignment: RoleAssignment): void {
    if (!isRoleName(assignment.role)) {
      throw invalidValue(`unknown role ${String(assignment.role)}`, { field: 'role' });
    }
    this.#sql.run(
      'assignRole',
      `INSERT INTO incident_roles (incident_id, role, person, assigned_at, assigned_by) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (incident_id, role) DO UPDATE
         SET person = excluded.person, assigned_at = excluded.assigned_at, assigned_by = excluded.assigned_by`,
      [incidentId, assignment.role, assignment.person, assignment.assignedAt, assignment.assignedBy],
      this.#unknownIncident(incidentId),
    );
  }

  addActionItem(item: Omit<ActionItem, 'id'>): ActionItem {
    const { lastInsertRowid } = this.#sql.run(
      'addActionItem',
      `INSERT INTO action_items (incident_id, title, owner, due_date, created_at, created_by)
       VALUES (?, ?, ?, ?, ?, ?)`,
      [item.incidentId, item.title, item.owner ?? null, item.dueDate ?? null, item.createdAt, item.createdBy],
      this.#unknownIncident(item.incidentId),
    );
    return { ...item, owner: item.owner ?? null, dueDate: item.dueDate ?? null, id: lastInsertRowid };
  }
}
