/**
 * The pieces every part of the OpenAPI document is built from (openapi.ts, openapi-engine.ts,
 * openapi-responders.ts): references, the error answers shared by many operations, and the
 * operation shape with its least role (`x-firebreak-role`).
 */
export type Json = Record<string, unknown>;

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const nullable = (schema: Json) => ({ anyOf: [schema, { type: 'null' }] });
export const json = (schema: Json) => ({ 'application/json': { schema } });
export const time = { type: 'string', format: 'date-time' };

/** An error answer, naming the codes it may carry. */
export function errorResponse(description: string, codes: string[]): Json {
  return { description: `${description} Codes: ${codes.join(', ')}.`, content: json(ref('Error')) };
}

/** An operation for operator tokens of at least `role`. */
export function operation(role: string, summary: string, extra: Json): Json {
  return { summary, 'x-firebreak-role': role, security: [{ operatorToken: [] }], ...extra };
}

export const AUTH_ERRORS = {
  '401': errorResponse('Missing or invalid credentials.', ['AUTH_MISSING', 'AUTH_INVALID']),
  '403': errorResponse('The credentials lack the needed role.', ['AUTH_FORBIDDEN']),
  '429': errorResponse('Too many wrong operator tokens from this client address; Retry-After says when to try again.', ['AUTH_RATE_LIMITED']),
};
export const BODY_ERRORS = {
  '400': errorResponse('Malformed request.', ['API_INVALID_JSON', 'API_INVALID_BODY']),
  '413': errorResponse('Body too large.', ['API_PAYLOAD_TOO_LARGE']),
  '415': errorResponse('Not application/json.', ['API_UNSUPPORTED_MEDIA_TYPE']),
};
export const NOT_FOUND = { '404': errorResponse('No such incident.', ['NOT_FOUND']) };
export const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'Incident id, e.g. INC-01J...' };
