/**
 * The runbook engine's part of the OpenAPI document (openapi.ts spreads it in): the automation
 * switch, approvals, manual revert and runbooks, with their component schemas.
 */
import { GUARD_REASONS } from '../engine/guards/types.ts';
import { HOLD_BODY, MODE_BODY, REASON_BODY, REVERT_BODY } from './engine-schemas.ts';
import { AUTH_ERRORS, BODY_ERRORS, errorResponse, idParameter, json, nullable, operation, ref, time, type Json } from './openapi-parts.ts';
import { APPROVAL_STATES, MODES } from '../model/engine.ts';

const DISABLED = { '503': errorResponse('The engine does not run in this process, or the store is unavailable.', ['ENGINE_DISABLED', 'STORE_UNAVAILABLE']) };
const stepParameter = { name: 'step', in: 'path', required: true, schema: { type: 'string' }, description: 'Step id in the runbook.' };

function decision(verb: 'approve' | 'reject'): Json {
  return operation('responder', verb === 'approve' ? 'Approve a step waiting for approval: it runs, through the guards again.' : 'Reject a step waiting for approval: it is blocked.', {
    parameters: [idParameter, stepParameter],
    requestBody: { required: false, content: json(REASON_BODY) },
    responses: {
      '200': { description: 'The decided approval.', content: json(ref('Approval')) },
      ...BODY_ERRORS,
      ...AUTH_ERRORS,
      '404': errorResponse('No such incident, or no approval requested for this step.', ['NOT_FOUND', 'ENGINE_APPROVAL_NOT_FOUND']),
      '409': errorResponse('The approval is decided already or expired.', ['ENGINE_APPROVAL_NOT_PENDING', 'ENGINE_APPROVAL_EXPIRED']),
      ...DISABLED,
    },
  });
}

function automationChange(paused: boolean): Json {
  return operation('responder', paused ? 'Pause all automation (kill switch): no step changes anything; read-only steps go on.' : 'Resume automation.', {
    requestBody: { required: false, content: json(REASON_BODY) },
    responses: { '200': { description: 'The switch now.', content: json(ref('AutomationStatus')) }, ...BODY_ERRORS, ...AUTH_ERRORS, ...DISABLED },
  });
}

function holdLift(how: 'hand-back' | 'clear'): Json {
  const what =
    how === 'hand-back'
      ? "Hand the changes the loop breaker holds back to automation: the hold is lifted, the changes stay in force and are released as their steps say (now when the incident's alerts have resolved, else at the next resolve)."
      : "Clear the loop breaker's hold and revert the held changes now (as a revert by hand).";
  return operation('responder', `${what} The loop breaker counts the group's cycles again from now. The reason goes on the timeline (release.hold-lifted).`, {
    parameters: [idParameter],
    requestBody: { required: true, content: json(HOLD_BODY) },
    responses: {
      '200': { description: 'What was done.', content: json(ref('HoldReport')) },
      ...BODY_ERRORS,
      ...AUTH_ERRORS,
      '404': errorResponse('No such incident.', ['NOT_FOUND']),
      '409': errorResponse('The loop breaker holds no change of this incident.', ['ENGINE_NOT_HELD']),
      ...DISABLED,
    },
  });
}

export const ENGINE_PATHS: Record<string, Json> = {
  '/api/v1/automation': {
    get: operation('viewer', 'The mode and the automation switch: paused or not, by whom, since when.', {
      responses: { '200': { description: 'The switch.', content: json(ref('AutomationStatus')) }, ...AUTH_ERRORS, ...DISABLED },
    }),
  },
  '/api/v1/automation/pause': { post: automationChange(true) },
  '/api/v1/automation/resume': { post: automationChange(false) },
  '/api/v1/automation/mode': {
    post: operation('admin', 'Set the mode (dry-run or enforce) every replica sharing the store uses, from its next decision on. It stays until a person sets another, or a replica starts with a changed configured mode.', {
      requestBody: { required: true, content: json(MODE_BODY) },
      responses: { '200': { description: 'The switch now.', content: json(ref('AutomationStatus')) }, ...BODY_ERRORS, ...AUTH_ERRORS, ...DISABLED },
    }),
  },
  '/api/v1/incidents/{id}/steps/{step}/approve': { post: decision('approve') },
  '/api/v1/incidents/{id}/steps/{step}/reject': { post: decision('reject') },
  '/api/v1/incidents/{id}/revert': {
    post: operation('responder', 'Revert by hand the changes still in place (or those of one step), newest first. Idempotent.', {
      parameters: [idParameter],
      requestBody: { required: false, content: json(REVERT_BODY) },
      responses: {
        '200': { description: 'What happened to each change.', content: json(ref('RevertReport')) },
        ...BODY_ERRORS,
        ...AUTH_ERRORS,
        '404': errorResponse('No such incident, or no executed step of that id.', ['NOT_FOUND', 'ENGINE_STEP_NOT_FOUND']),
        '409': errorResponse('The step is read-only or its runbook says revert: never.', ['ENGINE_NOT_REVERSIBLE']),
        ...DISABLED,
      },
    }),
  },
  '/api/v1/incidents/{id}/hold/hand-back': { post: holdLift('hand-back') },
  '/api/v1/incidents/{id}/hold/clear': { post: holdLift('clear') },
  '/api/v1/runbooks': {
    get: operation('viewer', 'The runbooks in force.', {
      responses: { '200': { description: 'The loaded set.', content: json(ref('RunbookList')) }, ...AUTH_ERRORS, ...DISABLED },
    }),
  },
  '/api/v1/runbooks/reload': {
    post: operation('admin', 'Load the runbook files again (as SIGHUP does); a load with any problem changes nothing.', {
      responses: {
        '200': { description: 'The new set is in force.', content: json(ref('ReloadOutcome')) },
        ...AUTH_ERRORS,
        '422': errorResponse('A runbook has problems (details.diagnostics lists each); the last good set stays in force.', ['RUNBOOK_INVALID']),
        ...DISABLED,
      },
    }),
  },
};

export const ENGINE_SCHEMAS: Record<string, Json> = {
  Approval: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      incidentId: { type: 'string' },
      runId: { type: 'integer' },
      runbook: { type: 'string' },
      stepId: { type: 'string' },
      action: { type: 'string' },
      params: { type: 'object', description: 'The rendered parameters the step will run with.' },
      plan: { description: 'The change the step would make (changes with their current values), when planned.' },
      state: { enum: [...APPROVAL_STATES] },
      requestedAt: time,
      expiresAt: time,
      decidedAt: nullable(time),
      decidedBy: nullable({ type: 'string' }),
      reason: nullable({ type: 'string' }),
    },
  },
  AutomationStatus: {
    type: 'object',
    properties: {
      mode: { enum: [...MODES], description: 'The mode every replica sharing the store uses.' },
      modeChangedBy: { ...nullable({ type: 'string' }), description: 'Who set the mode: a person, or configuration (a replica started with a changed configured mode).' },
      modeChangedAt: nullable(time),
      modeReason: nullable({ type: 'string' }),
      paused: { type: 'boolean' },
      changedBy: { ...nullable({ type: 'string' }), description: 'Who last paused or resumed.' },
      changedAt: nullable(time),
      reason: nullable({ type: 'string' }),
    },
  },
  HoldReport: {
    type: 'object',
    properties: {
      incidentId: { type: 'string' },
      how: { enum: ['hand-back', 'clear'] },
      steps: { type: 'array', items: { type: 'string' }, description: 'The steps whose hold was lifted.' },
      releasesScheduled: { type: 'integer', description: "hand-back: releases scheduled now (the incident's alerts have resolved)." },
      revert: { ...nullable(ref('RevertReport')), description: 'clear: what the revert did to each held change.' },
      message: { type: 'string' },
    },
    required: ['incidentId', 'how', 'steps', 'releasesScheduled', 'revert', 'message'],
  },
  RevertReport: {
    type: 'object',
    properties: {
      incidentId: { type: 'string' },
      message: { type: 'string' },
      results: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            stepId: { type: 'string' },
            claimId: { type: 'integer' },
            action: { type: 'string' },
            status: { enum: ['reverted', 'already-reverted', 'conflict', 'failed'] },
            message: { type: 'string' },
            detail: { description: 'Changes restored, conflicts left alone, or the error.' },
          },
        },
      },
    },
  },
  RunbookList: {
    type: 'object',
    properties: {
      version: { type: 'integer', description: 'Increases with every successful reload.' },
      runbooks: { type: 'array', items: { type: 'object', description: 'name, description, file, line, match, groupBy, priority, policy, steps, followUps' } },
    },
  },
  ReloadOutcome: {
    type: 'object',
    properties: {
      ok: { type: 'boolean' },
      runbooks: { type: 'integer' },
      version: { type: 'integer' },
      diagnostics: { type: 'array', items: { type: 'object' } },
    },
  },
  GuardReason: { enum: [...GUARD_REASONS], description: 'Why a guard decided as it did (docs/runbooks.md).' },
};
