/**
 * Request validation for the API: bodies (API_INVALID_BODY) and query strings (API_INVALID_QUERY),
 * both 400 with the offending path in the message and in `details.path`.
 */
import type { Request } from 'express';
import { compileSchema, formatProblem, type SchemaCheck } from '../core/json-schema.ts';
import { httpError } from './errors.ts';

export interface RequestValidator<T> {
  (req: Request): T;
}

function reject(code: string, what: string, problems: ReturnType<SchemaCheck>): never {
  const first = problems[0];
  throw httpError(400, code, `invalid ${what}: ${first === undefined ? 'rejected' : formatProblem(first)}`, {
    path: first?.path ?? '',
    problems,
  });
}

/** Validates `req.body` (already parsed JSON) and returns it typed. */
export function bodyValidator<T>(schema: Record<string, unknown>): RequestValidator<T> {
  const check = compileSchema(schema);
  return (req) => {
    const body: unknown = req.body;
    const problems = check(body === undefined ? null : body);
    if (problems.length > 0) reject('API_INVALID_BODY', 'request body', problems);
    return body as T;
  };
}

/**
 * Validates the query string: a copy of it, with comma-separated lists split for the schema's
 * array properties, numbers coerced and defaults filled in.
 */
export function queryValidator<T>(schema: Record<string, unknown>): RequestValidator<T> {
  const check = compileSchema(schema, { coerceTypes: 'array', useDefaults: true });
  const properties = (schema.properties ?? {}) as Record<string, { type?: string }>;
  const arrays = new Set(Object.keys(properties).filter((k) => properties[k]?.type === 'array'));
  return (req) => {
    const query: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(req.query as Record<string, unknown>)) {
      if (arrays.has(key)) {
        const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));
        query[key] = parts.map((p) => p.trim()).filter((p) => p !== '');
      } else {
        // A repeated scalar parameter is ambiguous; the last one wins, as in most HTTP stacks.
        query[key] = Array.isArray(value) ? value[value.length - 1] : value;
      }
    }
    const problems = check(query);
    if (problems.length > 0) reject('API_INVALID_QUERY', 'query', problems);
    return query as T;
  };
}
