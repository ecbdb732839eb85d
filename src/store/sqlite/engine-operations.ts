/**
 * The synchronous SQL behind the engine's store members (runs, step claims, approvals, the
 * automation switch, follow-up markers). Like IncidentOperations, these never open or close a
 * transaction: SqliteStore decides.
 */
import type { SQLInputValue } from 'node:sqlite';
import {
  APPROVAL_STATES,
  CLAIM_STATUSES,
  REVERT_STATUSES,
  RUN_STATUSES,
  type Approval,
  type ApprovalDecision,
  type ApprovalQuery,
  type AutomationState,
  type ClaimQuery,
  type ClaimResult,
  type EngineCounts,
  type EngineRun,
  type NewApproval,
  type NewClaim,
  type NewRun,
  type ModeSetting,
  type ReleaseState,
  type RevertChange,
  type RevertStatus,
  type RunPatch,
  type RunQuery,
  type StepClaim,
} from '../../model/engine.ts';
import { invalidValue, notFound } from '../errors.ts';
import { valueTime } from '../query.ts';
import { jsonText, oneOf } from '../values.ts';
import { REVERT_MODES } from '../../model/action.ts';
import { ALERT_STATUSES } from '../../model/incident.ts';
import { toApproval, toAutomation, toClaim, toRun } from '../rows/engine-rows.ts';
import { SQLITE_CONSTRAINT_FOREIGNKEY, sqliteCode } from './sqlite-errors.ts';
import type { Statements } from './statements.ts';

function trigger(value: unknown): 'firing' | 'resolved' {
  return oneOf(value, ALERT_STATUSES, 'trigger');
}

/** `WHERE a = ? AND b IN (?, ?)` from optional filters. */
export function where(filters: Array<[string, SQLInputValue | readonly SQLInputValue[] | undefined]>): { sql: string; params: SQLInputValue[] } {
  const parts: string[] = [];
  const params: SQLInputValue[] = [];
  for (const [column, value] of filters) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      if (value.length === 0) {
        parts.push('0');
        continue;
      }
      parts.push(`${column} IN (${value.map(() => '?').join(', ')})`);
      params.push(...(value as SQLInputValue[]));
    } else {
      parts.push(`${column} = ?`);
      params.push(value as SQLInputValue);
    }
  }
  return { sql: parts.length === 0 ? '' : `WHERE ${parts.join(' AND ')}`, params };
}

export class EngineOperations {
  readonly #sql: Statements;

  constructor(sql: Statements) {
    this.#sql = sql;
  }

  #unknownIncident(incidentId: string): (err: unknown) => Error | undefined {
    return (err) => (sqliteCode(err) === SQLITE_CONSTRAINT_FOREIGNKEY ? notFound('incident', incidentId) : undefined);
  }

  createRun(run: NewRun): EngineRun {
    const { lastInsertRowid } = this.#sql.run(
      'createRun',
      `INSERT INTO engine_runs (incident_id, runbook, group_key, trigger, alert, episode, notification_id, status, requested_at, steps)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, '{}')`,
      [run.incidentId, run.runbook, run.groupKey, trigger(run.trigger), jsonText(run.alert, 'alert'), run.episode, run.notificationId, run.requestedAt],
      this.#unknownIncident(run.incidentId),
    );
    return this.getRun(lastInsertRowid) as EngineRun;
  }

  getRun(id: number): EngineRun | null {
    const row = this.#sql.get('getRun', 'SELECT * FROM engine_runs WHERE id = ?', id);
    return row === undefined ? null : toRun(row);
  }

  updateRun(id: number, patch: RunPatch): EngineRun {
    const current = this.getRun(id);
    if (current === null) throw notFound('run', id);
    const next = { ...current };
    for (const [field, value] of Object.entries(patch)) {
      if (value !== undefined) (next as Record<string, unknown>)[field] = value;
    }
    this.#sql.run(
      'updateRun',
      'UPDATE engine_runs SET status = ?, started_at = ?, finished_at = ?, steps = ?, acted = ?, detail = ?, owner = ?, lease_until = ?, fence = ? WHERE id = ?',
      [oneOf(next.status, RUN_STATUSES, 'run status'), next.startedAt, next.finishedAt, jsonText(next.steps, 'steps'), next.acted ? 1 : 0, next.detail, next.owner, next.leaseUntil, next.fence, id],
    );
    return this.getRun(id) as EngineRun;
  }

  renewRunLeases(owner: string, until: string): number[] {
    valueTime(until, 'until');
    return this.#sql
      .all('renewRunLeases', "UPDATE engine_runs SET lease_until = ? WHERE owner = ? AND status = 'running' RETURNING id", until, owner)
      .map((row) => Number(row.id))
      .sort((a, b) => a - b);
  }

  runs(query: RunQuery): EngineRun[] {
    const w = where([
      ['incident_id', query.incidentId],
      ['runbook', query.runbook],
      ['group_key', query.groupKey],
      ['trigger', query.trigger],
      ['status', query.status],
    ]);
    return this.#sql.all('runs', `SELECT * FROM engine_runs ${w.sql} ORDER BY id`, ...w.params).map(toRun);
  }

  claimStep(claim: NewClaim): StepClaim | null {
    const { changes, lastInsertRowid } = this.#sql.run(
      'claimStep',
      `INSERT INTO engine_step_claims (incident_id, runbook, group_key, step_id, trigger, episode, run_id, action, mutating, revert, release, params, plan, claimed_at, status, release_state)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?)
       ON CONFLICT (incident_id, runbook, step_id, trigger, episode) DO NOTHING`,
      [
        claim.incidentId,
        claim.runbook,
        claim.groupKey,
        claim.stepId,
        trigger(claim.trigger),
        claim.episode,
        claim.runId,
        claim.action,
        claim.mutating ? 1 : 0,
        oneOf(claim.revert, REVERT_MODES, 'revert mode'),
        jsonText(claim.release, 'release'),
        jsonText(claim.params, 'params'),
        jsonText(claim.plan, 'plan'),
        claim.claimedAt,
        jsonText(claim.releaseState ?? null, 'release state'),
      ],
      this.#unknownIncident(claim.incidentId),
    );
    return changes === 1 ? this.#claim(lastInsertRowid) : null;
  }

  #claim(id: number): StepClaim | null {
    const row = this.#sql.get('getClaim', 'SELECT * FROM engine_step_claims WHERE id = ?', id);
    return row === undefined ? null : toClaim(row);
  }

  finishStep(id: number, result: ClaimResult): StepClaim {
    const { changes } = this.#sql.run(
      'finishStep',
      'UPDATE engine_step_claims SET status = ?, finished_at = ?, output = ?, prior = ?, applied = ?, error = ? WHERE id = ?',
      [
        oneOf(result.status, CLAIM_STATUSES, 'claim status'),
        result.finishedAt,
        jsonText(result.output, 'output'),
        jsonText(result.prior, 'prior'),
        jsonText(result.applied, 'applied'),
        result.error,
        id,
      ],
    );
    if (changes === 0) throw notFound('claim', id);
    return this.#claim(id) as StepClaim;
  }

  stepClaims(query: ClaimQuery): StepClaim[] {
    const w = where([
      ['id', query.id],
      ['incident_id', query.incidentId],
      ['runbook', query.runbook],
      ['group_key', query.groupKey],
      ['run_id', query.runId],
      ['status', query.status],
    ]);
    return this.#sql.all('stepClaims', `SELECT * FROM engine_step_claims ${w.sql} ORDER BY id`, ...w.params).map(toClaim);
  }

  setRevertStatus(id: number, from: ReadonlyArray<RevertStatus | null>, change: RevertChange): StepClaim | null {
    const current = this.#claim(id);
    if (current === null) throw notFound('claim', id);
    if (!from.includes(current.revertStatus)) return null;
    this.#sql.run(
      'setRevertStatus',
      'UPDATE engine_step_claims SET revert_status = ?, reverted_at = ?, reverted_by = ?, revert_detail = ? WHERE id = ?',
      [change.status === null ? null : oneOf(change.status, REVERT_STATUSES, 'revert status'), change.at, change.by, jsonText(change.detail, 'revert detail'), id],
    );
    return this.#claim(id);
  }

  setReleaseState(id: number, state: ReleaseState | null): StepClaim {
    const { changes } = this.#sql.run('setReleaseState', 'UPDATE engine_step_claims SET release_state = ? WHERE id = ?', [jsonText(state, 'release state'), id]);
    if (changes === 0) throw notFound('claim', id);
    return this.#claim(id) as StepClaim;
  }

  requestApproval(approval: NewApproval): Approval {
    this.#sql.run(
      'requestApproval',
      `INSERT INTO engine_approvals (incident_id, run_id, runbook, step_id, action, params, plan, state, requested_at, expires_at, expires_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)
       ON CONFLICT (run_id, step_id) DO NOTHING`,
      [
        approval.incidentId,
        approval.runId,
        approval.runbook,
        approval.stepId,
        approval.action,
        jsonText(approval.params, 'params'),
        jsonText(approval.plan, 'plan'),
        approval.requestedAt,
        approval.expiresAt,
        valueTime(approval.expiresAt, 'expiresAt'),
      ],
      this.#unknownIncident(approval.incidentId),
    );
    const row = this.#sql.get('requestApproval', 'SELECT * FROM engine_approvals WHERE run_id = ? AND step_id = ?', approval.runId, approval.stepId);
    return toApproval(row!);
  }

  approvals(query: ApprovalQuery): Approval[] {
    const w = where([
      ['incident_id', query.incidentId],
      ['run_id', query.runId],
      ['step_id', query.stepId],
      ['state', query.state],
    ]);
    let sql = w.sql;
    const params = [...w.params];
    if (query.expiresBy !== undefined) {
      sql = `${sql === '' ? 'WHERE' : `${sql} AND`} expires_ms <= ?`;
      params.push(valueTime(query.expiresBy, 'expiresBy'));
    }
    return this.#sql.all('approvals', `SELECT * FROM engine_approvals ${sql} ORDER BY id`, ...params).map(toApproval);
  }

  decideApproval(id: number, decision: ApprovalDecision): Approval | null {
    const state = oneOf(decision.state, APPROVAL_STATES, 'approval state');
    if (state === 'pending') throw invalidValue('an approval is decided as granted, rejected or expired', { field: 'state' });
    const { changes } = this.#sql.run(
      'decideApproval',
      "UPDATE engine_approvals SET state = ?, decided_at = ?, decided_by = ?, reason = ? WHERE id = ? AND state = 'pending'",
      [state, decision.decidedAt, decision.decidedBy, decision.reason, id],
    );
    const row = this.#sql.get('decideApproval', 'SELECT * FROM engine_approvals WHERE id = ?', id);
    if (row === undefined) throw notFound('approval', id);
    return changes === 1 ? toApproval(row) : null;
  }

  automation(): AutomationState {
    const row = this.#sql.get('automation', 'SELECT * FROM engine_automation WHERE id = 1');
    return row === undefined ? { paused: false, changedBy: null, changedAt: null, reason: null } : toAutomation(row);
  }

  setAutomation(state: AutomationState): AutomationState {
    this.#sql.run(
      'setAutomation',
      `INSERT INTO engine_automation (id, paused, changed_by, changed_at, reason) VALUES (1, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET paused = excluded.paused, changed_by = excluded.changed_by,
         changed_at = excluded.changed_at, reason = excluded.reason`,
      [state.paused ? 1 : 0, state.changedBy, state.changedAt, state.reason],
    );
    return this.automation();
  }

  setMode(setting: ModeSetting): AutomationState {
    this.#sql.run(
      'setMode',
      'UPDATE engine_automation SET mode = ?, mode_changed_by = ?, mode_changed_at = ?, mode_reason = ?, mode_configured = ? WHERE id = 1',
      [setting.mode, setting.changedBy, setting.changedAt, setting.reason, setting.configured],
    );
    return this.automation();
  }

  markFollowUpsAdded(incidentId: string, runbook: string): boolean {
    const { changes } = this.#sql.run(
      'markFollowUpsAdded',
      'INSERT INTO engine_follow_ups (incident_id, runbook) VALUES (?, ?) ON CONFLICT DO NOTHING',
      [incidentId, runbook],
      this.#unknownIncident(incidentId),
    );
    return changes === 1;
  }

  engineCounts(): EngineCounts {
    const approvals = this.#sql.get('engineCounts', "SELECT COUNT(*) AS n FROM engine_approvals WHERE state = 'pending'");
    const active = this.#sql.get(
      'engineCounts',
      `SELECT COUNT(*) AS n FROM engine_step_claims
       WHERE mutating = 1 AND revert <> 'never' AND status IN ('succeeded', 'interrupted') AND (revert_status IS NULL OR revert_status IN ('reverting', 'failed'))`,
    );
    const failing = this.#sql.get(
      'engineCounts',
      `SELECT COUNT(*) AS n FROM engine_step_claims
       WHERE mutating = 1 AND revert <> 'never' AND status IN ('succeeded', 'interrupted') AND revert_status = 'failed'`,
    );
    const releasing = this.#sql.get('engineCounts', "SELECT COUNT(DISTINCT claim_id) AS n FROM engine_timers WHERE kind = 'release' AND status IN ('pending', 'running')");
    return {
      pendingApprovals: Number(approvals?.n ?? 0),
      activeContainments: Number(active?.n ?? 0),
      revertsPending: Number(failing?.n ?? 0),
      releasesPending: Number(releasing?.n ?? 0),
    };
  }
}
