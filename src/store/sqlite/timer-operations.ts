/**
 * The synchronous SQL behind the durable timers (src/model/engine.ts `EngineTimer`). Times are kept
 * twice: as ISO text for reading and as epoch ms for comparing (`due_ms`, `lease_ms`), like
 * approvals' expiry. Claiming and finishing are compare-and-set updates, so among the processes
 * sharing the file exactly one runs a due timer, and a process whose lease ran out cannot finish
 * a run another process took over (the fencing token moved on).
 */
import {
  TIMER_KINDS,
  TIMER_STATUSES,
  type EngineTimer,
  type NewTimer,
  type TimerLease,
  type TimerOutcome,
  type TimerQuery,
} from '../../model/engine.ts';
import { invalidValue, notFound } from '../errors.ts';
import { checkPositiveLimit, valueTime } from '../query.ts';
import { toTimer } from '../rows/engine-rows.ts';
import { jsonText, oneOf } from '../values.ts';
import { where } from './engine-operations.ts';
import { SQLITE_CONSTRAINT_FOREIGNKEY, sqliteCode } from './sqlite-errors.ts';
import type { Statements } from './statements.ts';

export class TimerOperations {
  readonly #sql: Statements;

  constructor(sql: Statements) {
    this.#sql = sql;
  }

  #get(id: number): EngineTimer | null {
    const row = this.#sql.get('timer', 'SELECT * FROM engine_timers WHERE id = ?', id);
    return row === undefined ? null : toTimer(row);
  }

  #live(key: string): EngineTimer | null {
    const row = this.#sql.get('timer', "SELECT * FROM engine_timers WHERE key = ? AND status IN ('pending', 'running')", key);
    return row === undefined ? null : toTimer(row);
  }

  scheduleTimer(timer: NewTimer): EngineTimer {
    if (typeof timer.key !== 'string' || timer.key === '') throw invalidValue('a timer needs a key', { field: 'key' });
    const existing = this.#live(timer.key);
    if (existing !== null) return existing;
    const { lastInsertRowid } = this.#sql.run(
      'scheduleTimer',
      `INSERT INTO engine_timers (kind, key, incident_id, claim_id, status, due_at, due_ms, state, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)`,
      [
        oneOf(timer.kind, TIMER_KINDS, 'timer kind'),
        timer.key,
        timer.incidentId,
        timer.claimId,
        timer.dueAt,
        valueTime(timer.dueAt, 'dueAt'),
        jsonText(timer.state, 'state'),
        timer.createdAt,
        timer.createdAt,
      ],
      (err) => (sqliteCode(err) === SQLITE_CONSTRAINT_FOREIGNKEY ? notFound(timer.claimId === null ? 'incident' : 'claim', timer.claimId ?? timer.incidentId ?? '') : undefined),
    );
    return this.#get(lastInsertRowid) as EngineTimer;
  }

  timers(query: TimerQuery): EngineTimer[] {
    const w = where([
      ['key', query.key],
      ['incident_id', query.incidentId],
      ['claim_id', query.claimId],
      ['kind', query.kind],
      ['status', query.status],
    ]);
    return this.#sql.all('timers', `SELECT * FROM engine_timers ${w.sql} ORDER BY id`, ...w.params).map(toTimer);
  }

  dueTimers(now: string, limit: number): EngineTimer[] {
    const at = valueTime(now, 'now');
    const n = checkPositiveLimit(limit);
    return this.#sql
      .all(
        'dueTimers',
        `SELECT * FROM (
           SELECT * FROM engine_timers WHERE status = 'pending' AND due_ms <= ?
           UNION ALL
           SELECT * FROM engine_timers WHERE status = 'running' AND lease_ms <= ?
         ) ORDER BY due_ms, id LIMIT ?`,
        at,
        at,
        n,
      )
      .map(toTimer);
  }

  claimTimer(id: number, lease: TimerLease): EngineTimer | null {
    const now = valueTime(lease.now, 'now');
    const until = valueTime(lease.leaseUntil, 'leaseUntil');
    const { changes } = this.#sql.run(
      'claimTimer',
      `UPDATE engine_timers SET status = 'running', owner = ?, lease_until = ?, lease_ms = ?, token = token + 1, updated_at = ?
       WHERE id = ? AND ((status = 'pending' AND due_ms <= ?) OR (status = 'running' AND lease_ms <= ?))`,
      [lease.owner, lease.leaseUntil, until, lease.now, id, now, now],
    );
    const timer = this.#get(id);
    if (timer === null) throw notFound('timer', id);
    return changes === 1 ? timer : null;
  }

  finishTimer(id: number, token: number, outcome: TimerOutcome): EngineTimer | null {
    const status = oneOf(outcome.status, TIMER_STATUSES, 'timer status');
    if (status === 'running') throw invalidValue('a timer run finishes as done, cancelled or pending', { field: 'status' });
    const current = this.#get(id);
    if (current === null) throw notFound('timer', id);
    if (current.status !== 'running' || current.token !== token) return null;
    if (outcome.status === 'pending') {
      this.#sql.run(
        'finishTimer',
        `UPDATE engine_timers SET status = 'pending', due_at = ?, due_ms = ?, state = ?, attempts = ?, last_error = ?, owner = NULL, lease_until = NULL, lease_ms = NULL, updated_at = ?
         WHERE id = ? AND status = 'running' AND token = ?`,
        [outcome.dueAt, valueTime(outcome.dueAt, 'dueAt'), jsonText(outcome.state, 'state'), outcome.attempts, outcome.lastError, outcome.at, id, token],
      );
    } else {
      this.#sql.run(
        'finishTimer',
        `UPDATE engine_timers SET status = ?, state = ?, last_error = ?, owner = NULL, lease_until = NULL, lease_ms = NULL, updated_at = ?
         WHERE id = ? AND status = 'running' AND token = ?`,
        [status, jsonText(outcome.state === undefined ? current.state : outcome.state, 'state'), outcome.lastError ?? current.lastError, outcome.at, id, token],
      );
    }
    return this.#get(id);
  }

  cancelTimers(query: Omit<TimerQuery, 'status'>, at: string): EngineTimer[] {
    const live = this.timers({ ...query, status: ['pending', 'running'] });
    for (const timer of live) {
      this.#sql.run(
        'cancelTimers',
        "UPDATE engine_timers SET status = 'cancelled', owner = NULL, lease_until = NULL, lease_ms = NULL, updated_at = ? WHERE id = ? AND status IN ('pending', 'running')",
        [at, timer.id],
      );
    }
    return live.map((t) => this.#get(t.id) as EngineTimer);
  }
}
