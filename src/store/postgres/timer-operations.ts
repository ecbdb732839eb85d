/**
 * The SQL behind the durable timers on PostgreSQL (src/model/engine.ts `EngineTimer`), the same
 * records and rules as sqlite/timer-operations.ts. Claiming and finishing are single
 * compare-and-set statements, so across replicas exactly one runs a due timer, and a replica
 * whose lease ran out cannot finish a run another replica took over (the fencing token moved on).
 */
import { TIMER_KINDS, TIMER_STATUSES, type EngineTimer, type NewTimer, type TimerLease, type TimerOutcome, type TimerQuery } from '../../model/engine.ts';
import { invalidValue, notFound } from '../errors.ts';
import { checkPositiveLimit, valueTime } from '../query.ts';
import { toTimer } from '../rows/engine-rows.ts';
import { jsonText, oneOf } from '../values.ts';
import type { IncidentOperations } from './incident-operations.ts';
import { where, type Sql } from './sql.ts';

export class TimerOperations {
  readonly #incidents: IncidentOperations;

  constructor(incidents: IncidentOperations) {
    this.#incidents = incidents;
  }

  async #get(sql: Sql, id: number): Promise<EngineTimer | null> {
    const { rows } = await sql.query('timer', 'SELECT * FROM engine_timers WHERE id = $1', [id]);
    return rows[0] === undefined ? null : toTimer(rows[0]);
  }

  async scheduleTimer(sql: Sql, timer: NewTimer): Promise<EngineTimer> {
    if (typeof timer.key !== 'string' || timer.key === '') throw invalidValue('a timer needs a key', { field: 'key' });
    const kind = oneOf(timer.kind, TIMER_KINDS, 'timer kind');
    const dueMs = valueTime(timer.dueAt, 'dueAt');
    const state = jsonText(timer.state, 'state');
    const { rows: live } = await sql.query('timer', "SELECT * FROM engine_timers WHERE key = $1 AND status IN ('pending', 'running')", [timer.key]);
    if (live[0] !== undefined) return toTimer(live[0]);
    if (timer.incidentId !== null) await this.#incidents.requireIncident(sql, timer.incidentId);
    if (timer.claimId !== null) {
      const { rowCount } = await sql.query('scheduleTimer', 'SELECT 1 FROM engine_step_claims WHERE id = $1', [timer.claimId]);
      if (rowCount === 0) throw notFound('claim', timer.claimId);
    }
    const { rows } = await sql.query(
      'scheduleTimer',
      `INSERT INTO engine_timers (kind, key, incident_id, claim_id, status, due_at, due_ms, state, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, $8) RETURNING *`,
      [kind, timer.key, timer.incidentId, timer.claimId, timer.dueAt, dueMs, state, timer.createdAt],
    );
    return toTimer(rows[0] ?? {});
  }

  async timers(sql: Sql, query: TimerQuery): Promise<EngineTimer[]> {
    const w = where([
      ['key', query.key],
      ['incident_id', query.incidentId],
      ['claim_id', query.claimId],
      ['kind', query.kind],
      ['status', query.status],
    ]);
    const { rows } = await sql.query('timers', `SELECT * FROM engine_timers ${w.sql} ORDER BY id`, w.values);
    return rows.map(toTimer);
  }

  async dueTimers(sql: Sql, now: string, limit: number): Promise<EngineTimer[]> {
    const at = valueTime(now, 'now');
    const { rows } = await sql.query(
      'dueTimers',
      `SELECT * FROM engine_timers WHERE (status = 'pending' AND due_ms <= $1) OR (status = 'running' AND lease_ms <= $1)
       ORDER BY due_ms, id LIMIT $2`,
      [at, checkPositiveLimit(limit)],
    );
    return rows.map(toTimer);
  }

  async claimTimer(sql: Sql, id: number, lease: TimerLease): Promise<EngineTimer | null> {
    const now = valueTime(lease.now, 'now');
    const until = valueTime(lease.leaseUntil, 'leaseUntil');
    const { rows } = await sql.query(
      'claimTimer',
      `UPDATE engine_timers SET status = 'running', owner = $1, lease_until = $2, lease_ms = $3, token = token + 1, updated_at = $4
       WHERE id = $5 AND ((status = 'pending' AND due_ms <= $6) OR (status = 'running' AND lease_ms <= $6)) RETURNING *`,
      [lease.owner, lease.leaseUntil, until, lease.now, id, now],
    );
    if (rows[0] !== undefined) return toTimer(rows[0]);
    if ((await this.#get(sql, id)) === null) throw notFound('timer', id);
    return null;
  }

  async finishTimer(sql: Sql, id: number, token: number, outcome: TimerOutcome): Promise<EngineTimer | null> {
    const status = oneOf(outcome.status, TIMER_STATUSES, 'timer status');
    if (status === 'running') throw invalidValue('a timer run finishes as done, cancelled or pending', { field: 'status' });
    const current = await this.#get(sql, id);
    if (current === null) throw notFound('timer', id);
    const { rows } =
      outcome.status === 'pending'
        ? await sql.query(
            'finishTimer',
            `UPDATE engine_timers SET status = 'pending', due_at = $1, due_ms = $2, state = $3, attempts = $4, last_error = $5, owner = NULL, lease_until = NULL, lease_ms = NULL, updated_at = $6
             WHERE id = $7 AND status = 'running' AND token = $8 RETURNING *`,
            [outcome.dueAt, valueTime(outcome.dueAt, 'dueAt'), jsonText(outcome.state, 'state'), outcome.attempts, outcome.lastError, outcome.at, id, token],
          )
        : await sql.query(
            'finishTimer',
            `UPDATE engine_timers SET status = $1, state = $2, last_error = $3, owner = NULL, lease_until = NULL, lease_ms = NULL, updated_at = $4
             WHERE id = $5 AND status = 'running' AND token = $6 RETURNING *`,
            [status, jsonText(outcome.state === undefined ? current.state : outcome.state, 'state'), outcome.lastError ?? current.lastError, outcome.at, id, token],
          );
    return rows[0] === undefined ? null : toTimer(rows[0]);
  }

  async cancelTimers(sql: Sql, query: Omit<TimerQuery, 'status'>, at: string): Promise<EngineTimer[]> {
    const w = where(
      [
        ['key', query.key],
        ['incident_id', query.incidentId],
        ['claim_id', query.claimId],
        ['kind', query.kind],
      ],
      2,
    );
    const { rows } = await sql.query(
      'cancelTimers',
      `UPDATE engine_timers SET status = 'cancelled', owner = NULL, lease_until = NULL, lease_ms = NULL, updated_at = $1
       ${w.sql === '' ? 'WHERE' : `${w.sql} AND`} status IN ('pending', 'running') RETURNING *`,
      [at, ...w.values],
    );
    return rows.map(toTimer).sort((a, b) => a.id - b.id);
  }
}
