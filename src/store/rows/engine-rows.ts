/**
 * Rows of the engine's tables to domain objects (see incident-rows.ts for the conventions: a column of an
 * unexpected type is STORE_QUERY_FAILED naming the column).
 */
import type { RevertMode } from '../../model/action.ts';
import type { Alert, AlertStatus } from '../../model/incident.ts';
import type { Approval, ApprovalState, AutomationState, ClaimStatus, Mode, ModeSetting, EngineRun, EngineTimer, ReleaseSpec, ReleaseState, RevertStatus, RunStatus, StepClaim, TimerKind, TimerStatus } from '../../model/engine.ts';
import { type Row, flag, integer, json, text, textOrNull } from './columns.ts';

export function toRun(row: Row): EngineRun {
  return {
    id: integer(row, 'id'),
    incidentId: text(row, 'incident_id'),
    runbook: text(row, 'runbook'),
    groupKey: text(row, 'group_key'),
    trigger: text(row, 'trigger') as AlertStatus,
    alert: json<Alert>(row, 'alert'),
    episode: text(row, 'episode'),
    notificationId: integer(row, 'notification_id'),
    status: text(row, 'status') as RunStatus,
    requestedAt: text(row, 'requested_at'),
    startedAt: textOrNull(row, 'started_at'),
    finishedAt: textOrNull(row, 'finished_at'),
    steps: json<EngineRun['steps']>(row, 'steps'),
    acted: flag(row, 'acted'),
    detail: textOrNull(row, 'detail'),
    owner: textOrNull(row, 'owner'),
    leaseUntil: textOrNull(row, 'lease_until'),
    fence: integer(row, 'fence'),
  };
}

export function toClaim(row: Row): StepClaim {
  return {
    id: integer(row, 'id'),
    incidentId: text(row, 'incident_id'),
    runbook: text(row, 'runbook'),
    groupKey: text(row, 'group_key'),
    stepId: text(row, 'step_id'),
    trigger: text(row, 'trigger') as AlertStatus,
    episode: text(row, 'episode'),
    runId: integer(row, 'run_id'),
    action: text(row, 'action'),
    mutating: flag(row, 'mutating'),
    revert: text(row, 'revert') as RevertMode,
    release: json<ReleaseSpec | null>(row, 'release'),
    params: json<Record<string, unknown>>(row, 'params'),
    plan: json<unknown>(row, 'plan'),
    claimedAt: text(row, 'claimed_at'),
    status: text(row, 'status') as ClaimStatus,
    finishedAt: textOrNull(row, 'finished_at'),
    output: json<unknown>(row, 'output'),
    prior: json<unknown>(row, 'prior'),
    applied: json<unknown>(row, 'applied'),
    error: textOrNull(row, 'error'),
    revertStatus: textOrNull(row, 'revert_status') as RevertStatus | null,
    revertedAt: textOrNull(row, 'reverted_at'),
    revertedBy: textOrNull(row, 'reverted_by'),
    revertDetail: json<unknown>(row, 'revert_detail'),
    releaseState: json<ReleaseState | null>(row, 'release_state'),
  };
}

export function toTimer(row: Row): EngineTimer {
  const claimId = row['claim_id'];
  return {
    id: integer(row, 'id'),
    kind: text(row, 'kind') as TimerKind,
    key: text(row, 'key'),
    incidentId: textOrNull(row, 'incident_id'),
    claimId: claimId === null ? null : integer(row, 'claim_id'),
    status: text(row, 'status') as TimerStatus,
    dueAt: text(row, 'due_at'),
    attempts: integer(row, 'attempts'),
    state: json<unknown>(row, 'state'),
    owner: textOrNull(row, 'owner'),
    leaseUntil: textOrNull(row, 'lease_until'),
    token: integer(row, 'token'),
    lastError: textOrNull(row, 'last_error'),
    createdAt: text(row, 'created_at'),
    updatedAt: text(row, 'updated_at'),
  };
}

export function toApproval(row: Row): Approval {
  return {
    id: integer(row, 'id'),
    incidentId: text(row, 'incident_id'),
    runId: integer(row, 'run_id'),
    runbook: text(row, 'runbook'),
    stepId: text(row, 'step_id'),
    action: text(row, 'action'),
    params: json<Record<string, unknown>>(row, 'params'),
    plan: json<unknown>(row, 'plan'),
    state: text(row, 'state') as ApprovalState,
    requestedAt: text(row, 'requested_at'),
    expiresAt: text(row, 'expires_at'),
    decidedAt: textOrNull(row, 'decided_at'),
    decidedBy: textOrNull(row, 'decided_by'),
    reason: textOrNull(row, 'reason'),
  };
}

function modeSettingOf(row: Row): ModeSetting | null {
  const mode = textOrNull(row, 'mode');
  if (mode === null) return null;
  return {
    mode: mode as Mode,
    changedBy: textOrNull(row, 'mode_changed_by') ?? 'configuration',
    changedAt: textOrNull(row, 'mode_changed_at') ?? '',
    reason: textOrNull(row, 'mode_reason'),
    configured: (textOrNull(row, 'mode_configured') ?? mode) as Mode,
  };
}

export function toAutomation(row: Row): AutomationState {
  return {
    paused: flag(row, 'paused'),
    changedBy: textOrNull(row, 'changed_by'),
    changedAt: textOrNull(row, 'changed_at'),
    reason: textOrNull(row, 'reason'),
    modeSetting: modeSettingOf(row),
  };
}
