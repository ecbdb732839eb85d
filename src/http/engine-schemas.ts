import { MODES } from '../model/engine.ts';

/**
 * JSON Schemas of the engine routes' request bodies (automation, approvals, revert). The routes
 * validate with them and the OpenAPI document publishes them (openapi-engine.ts).
 */
export const REASON_BODY: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    reason: { type: 'string', maxLength: 2_000, description: 'Why; recorded with the decision.' },
  },
};

export const REVERT_BODY: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    step: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]{0,62}$', description: 'Only this step (default: every reversible change, newest first).' },
  },
};

/** Lifting a loop-breaker hold: the reason is required (it goes on the timeline). */
export const HOLD_BODY: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  required: ['reason'],
  properties: {
    reason: { type: 'string', minLength: 1, maxLength: 2_000, pattern: '\\S', description: 'Why it is safe; recorded on the timeline with who did it.' },
  },
};

/** Setting the mode every replica uses. */
export const MODE_BODY: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  required: ['mode'],
  properties: {
    mode: { enum: [...MODES], description: 'dry-run: changes are planned and recorded, never executed; enforce: they are executed.' },
    reason: { type: 'string', maxLength: 2_000, description: 'Why; recorded with the mode.' },
  },
};
