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
