/**
 * The SQL behind the engine's store members (runs, step claims, approvals, the automation switch,
 * follow-up markers). Like IncidentOperations these never open or close a transaction, and no
 * statement is expected to fail (see that module's comment).
 */
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
import { toApproval, toAutomation, toClaim, toRun } from '../rows/engine-rows.ts';
import { jsonText, oneOf } from '../values.ts';
import { REVERT_MODES } from '../../model/action.ts';
import { ALERT_STATUSES } from '../../model/incident.ts';
import type { IncidentOperations } from './incident-operations.ts';
import { where, type Sql } from './sql.ts';

export class EngineOperations {
  readonly #incidents: IncidentOperations;

  constructor(incidents: IncidentOperations) {
    this.#incidents = incidents;
  }

  async createRun(sql: Sql, run: NewRun): Promise<EngineRun> {
    const trigger = oneOf(run.trigger, ALERT_STATUSES, 'trigger');
    const alert = jsonText(run.alert, 'alert');
    await this.#incidents.requireIncident(sql, run.incidentId);
    const { rows } = await sql.query(
      'createRun',
      `INSERT INTO engine_runs (incident_id, runbook, group_key, trigger, alert, episode, notification_id, status, requested_at, steps)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, '{}') RETURNING *`,
      [run.incidentId, run.runbook, run.groupKey, trigger, alert, run.episode, run.notificationId, run.requestedAt],
    );
    return toRun(rows[0] ?? {});
  }

  async getRun(sql: Sql, id: number): Promise<EngineRun | null> {
    const { rows } = await sql.query('getRun', 'SELECT * FROM engine_runs WHERE id = $1', [id]);
    return rows[0] === undefined ? null : toRun(rows[0]);
  }

  async updateRun(sql: Sql, id: number, patch: RunPatch): Promise<EngineRun> {
    const current = await this.getRun(sql, id);
    if (current === null) throw notFound('run', id);
    const next = { ...current };
    for (const [field, value] of Object.entries(patch)) {
      if (value !== undefined) (next as Record<string, unknown>)[field] = value;
    }
    const { rows } = await sql.query(
      'updateRun',
      'UPDATE engine_runs SET status = $1, started_at = $2, finished_at = $3, steps = $4, acted = $5, detail = $6, owner = $7, lease_until = $8, fence = $9 WHERE id = $10 RETURNING *',
      [oneOf(next.status, RUN_STATUSES, 'run status'), next.startedAt, next.finishedAt, jsonText(next.steps, 'steps'), next.acted, next.detail, next.owner, next.leaseUntil, next.fence, id],
    );
    return toRun(rows[0] ?? {});
  }

  async renewRunLeases(sql: Sql, owner: string, until: string): Promise<number[]> {
    valueTime(until, 'until');
    const { rows } = await sql.query('renewRunLeases', "UPDATE engine_runs SET lease_until = $1 WHERE owner = $2 AND status = 'running' RETURNING id", [until, owner]);
    return rows.map((row) => Number(row.id)).sort((a, b) => a - b);
  }

  async runs(sql: Sql, query: RunQuery): Promise<EngineRun[]> {
    const w = where([
      ['incident_id', query.incidentId],
      ['runbook', query.runbook],
      ['group_key', query.groupKey],
      ['trigger', query.trigger],
      ['status', query.status],
    ]);
    const { rows } = await sql.query('runs', `SELECT * FROM engine_runs ${w.sql} ORDER BY id`, w.values);
    return rows.map(toRun);
  }

  async claimStep(sql: Sql, claim: NewClaim): Promise<StepClaim | null> {
    const values = [
      claim.incidentId,
      claim.runbook,
      claim.groupKey,
      claim.stepId,
      oneOf(claim.trigger, ALERT_STATUSES, 'trigger'),
      claim.episode,
      claim.runId,
      claim.action,
      claim.mutating,
      oneOf(claim.revert, REVERT_MODES, 'revert mode'),
      jsonText(claim.release, 'release'),
      jsonText(claim.params, 'params'),
      jsonText(claim.plan, 'plan'),
      claim.claimedAt,
      jsonText(claim.releaseState ?? null, 'release state'),
    ];
    await this.#incidents.requireIncident(sql, claim.incidentId);
    const { rows } = await sql.query(
      'claimStep',
      `INSERT INTO engine_step_claims (incident_id, runbook, group_key, step_id, trigger, episode, run_id, action, mutating, revert, release, params, plan, claimed_at, release_state, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'running')
       ON CONFLICT (incident_id, runbook, step_id, trigger, episode) DO NOTHING RETURNING *`,
      values,
    );
    return rows[0] === undefined ? null : toClaim(rows[0]);
  }

  async #claim(sql: Sql, id: number): Promise<StepClaim | null> {
    const { rows } = await sql.query('getClaim', 'SELECT * FROM engine_step_claims WHERE id = $1', [id]);
    return rows[0] === undefined ? null : toClaim(rows[0]);
  }

  async finishStep(sql: Sql, id: number, result: ClaimResult): Promise<StepClaim> {
    const { rows } = await sql.query(
      'finishStep',
      'UPDATE engine_step_claims SET status = $1, finished_at = $2, output = $3, prior = $4, applied = $5, error = $6 WHERE id = $7 RETURNING *',
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
    if (rows[0] === undefined) throw notFound('claim', id);
    return toClaim(rows[0]);
  }

  async stepClaims(sql: Sql, query: ClaimQuery): Promise<StepClaim[]> {
    const w = where([
      ['id', query.id],
      ['incident_id', query.incidentId],
      ['runbook', query.runbook],
      ['group_key', query.groupKey],
      ['run_id', query.runId],
      ['status', query.status],
    ]);
    const { rows } = await sql.query('stepClaims', `SELECT * FROM engine_step_claims ${w.sql} ORDER BY id`, w.values);
    return rows.map(toClaim);
  }

  /** The compare and the set are one statement: a revert starts once, even across replicas. */
  async setRevertStatus(sql: Sql, id: number, from: ReadonlyArray<RevertStatus | null>, change: RevertChange): Promise<StepClaim | null> {
    const status = change.status === null ? null : oneOf(change.status, REVERT_STATUSES, 'revert status');
    const detail = jsonText(change.detail, 'revert detail');
    const states = from.filter((s): s is RevertStatus => s !== null);
    const { rows } = await sql.query(
      'setRevertStatus',
      `UPDATE engine_step_claims SET revert_status = $1, reverted_at = $2, reverted_by = $3, revert_detail = $4
       WHERE id = $5 AND (revert_status = ANY($6) OR ($7 AND revert_status IS NULL)) RETURNING *`,
      [status, change.at, change.by, detail, id, states, from.includes(null)],
    );
    if (rows[0] !== undefined) return toClaim(rows[0]);
    if ((await this.#claim(sql, id)) === null) throw notFound('claim', id);
    return null;
  }

  async setReleaseState(sql: Sql, id: number, state: ReleaseState | null): Promise<StepClaim> {
    const { rows } = await sql.query('setReleaseState', 'UPDATE engine_step_claims SET release_state = $1 WHERE id = $2 RETURNING *', [jsonText(state, 'release state'), id]);
    if (rows[0] === undefined) throw notFound('claim', id);
    return toClaim(rows[0]);
  }

  async requestApproval(sql: Sql, approval: NewApproval): Promise<Approval> {
    const values = [
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
    ];
    await this.#incidents.requireIncident(sql, approval.incidentId);
    await sql.query(
      'requestApproval',
      `INSERT INTO engine_approvals (incident_id, run_id, runbook, step_id, action, params, plan, state, requested_at, expires_at, expires_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $10)
       ON CONFLICT (run_id, step_id) DO NOTHING`,
      values,
    );
    const { rows } = await sql.query('requestApproval', 'SELECT * FROM engine_approvals WHERE run_id = $1 AND step_id = $2', [approval.runId, approval.stepId]);
    return toApproval(rows[0] ?? {});
  }

  async approvals(sql: Sql, query: ApprovalQuery): Promise<Approval[]> {
    const w = where([
      ['incident_id', query.incidentId],
      ['run_id', query.runId],
      ['step_id', query.stepId],
      ['state', query.state],
    ]);
    let clause = w.sql;
    const values = [...w.values];
    if (query.expiresBy !== undefined) {
      values.push(valueTime(query.expiresBy, 'expiresBy'));
      clause = `${clause === '' ? 'WHERE' : `${clause} AND`} expires_ms <= $${values.length}`;
    }
    const { rows } = await sql.query('approvals', `SELECT * FROM engine_approvals ${clause} ORDER BY id`, values);
    return rows.map(toApproval);
  }

  async decideApproval(sql: Sql, id: number, decision: ApprovalDecision): Promise<Approval | null> {
    const state = oneOf(decision.state, APPROVAL_STATES, 'approval state');
    if (state === 'pending') throw invalidValue('an approval is decided as granted, rejected or expired', { field: 'state' });
    const { rows } = await sql.query(
      'decideApproval',
      "UPDATE engine_approvals SET state = $1, decided_at = $2, decided_by = $3, reason = $4 WHERE id = $5 AND state = 'pending' RETURNING *",
      [state, decision.decidedAt, decision.decidedBy, decision.reason, id],
    );
    if (rows[0] !== undefined) return toApproval(rows[0]);
    const { rowCount } = await sql.query('decideApproval', 'SELECT 1 FROM engine_approvals WHERE id = $1', [id]);
    if (rowCount === 0) throw notFound('approval', id);
    return null;
  }

  async automation(sql: Sql): Promise<AutomationState> {
    const { rows } = await sql.query('automation', 'SELECT * FROM engine_automation WHERE id = 1');
    return rows[0] === undefined ? { paused: false, changedBy: null, changedAt: null, reason: null } : toAutomation(rows[0]);
  }

  async setAutomation(sql: Sql, state: AutomationState): Promise<AutomationState> {
    const { rows } = await sql.query(
      'setAutomation',
      `INSERT INTO engine_automation (id, paused, changed_by, changed_at, reason) VALUES (1, $1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET paused = excluded.paused, changed_by = excluded.changed_by,
         changed_at = excluded.changed_at, reason = excluded.reason
       RETURNING *`,
      [state.paused, state.changedBy, state.changedAt, state.reason],
    );
    return toAutomation(rows[0] ?? {});
  }

  async setMode(sql: Sql, setting: ModeSetting): Promise<AutomationState> {
    const { rows } = await sql.query(
      'setMode',
      'UPDATE engine_automation SET mode = $1, mode_changed_by = $2, mode_changed_at = $3, mode_reason = $4, mode_configured = $5 WHERE id = 1 RETURNING *',
      [setting.mode, setting.changedBy, setting.changedAt, setting.reason, setting.configured],
    );
    return toAutomation(rows[0] ?? {});
  }

  async markFollowUpsAdded(sql: Sql, incidentId: string, runbook: string): Promise<boolean> {
    await this.#incidents.requireIncident(sql, incidentId);
    const { rowCount } = await sql.query('markFollowUpsAdded', 'INSERT INTO engine_follow_ups (incident_id, runbook) VALUES ($1, $2) ON CONFLICT DO NOTHING', [incidentId, runbook]);
    return rowCount === 1;
  }

  async engineCounts(sql: Sql): Promise<EngineCounts> {
    const { rows } = await sql.query(
      'engineCounts',
      `SELECT (SELECT COUNT(*) FROM engine_approvals WHERE state = 'pending') AS approvals,
              (SELECT COUNT(*) FROM engine_step_claims
                WHERE mutating AND revert <> 'never' AND status IN ('succeeded', 'interrupted')
                  AND (revert_status IS NULL OR revert_status IN ('reverting', 'failed'))) AS active,
              (SELECT COUNT(*) FROM engine_step_claims
                WHERE mutating AND revert <> 'never' AND status IN ('succeeded', 'interrupted') AND revert_status = 'failed') AS failing,
              (SELECT COUNT(DISTINCT claim_id) FROM engine_timers WHERE kind = 'release' AND status IN ('pending', 'running')) AS releasing`,
    );
    return {
      pendingApprovals: Number(rows[0]?.approvals ?? 0),
      activeContainments: Number(rows[0]?.active ?? 0),
      revertsPending: Number(rows[0]?.failing ?? 0),
      releasesPending: Number(rows[0]?.releasing ?? 0),
    };
  }
}
