/**
 * Backend-neutral validation of store queries and values: limits, the opaque incident-list
 * cursor, ISO times. Every backend uses these so all of them reject the same inputs with the
 * same codes.
 */
import { INCIDENT_STATUSES, type IncidentStatus, ROLE_NAMES, type RoleName } from '../model/incident.ts';
import type { IncidentQuery } from './types.ts';
import { invalidQuery, invalidValue } from './errors.ts';
import { isOneOf } from '../core/vocabulary.ts';

/** Largest page of an incident list. */
export const MAX_PAGE_SIZE = 500;

export function isIncidentStatus(value: unknown): value is IncidentStatus {
  return isOneOf(INCIDENT_STATUSES, value);
}

export function isRoleName(value: unknown): value is RoleName {
  return isOneOf(ROLE_NAMES, value);
}

/** Throws STORE_INVALID_QUERY unless `limit` is an integer in 1..MAX_PAGE_SIZE. */
export function checkLimit(limit: unknown, field = 'limit'): number {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw invalidQuery(`${field} must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${String(limit)}`, {
      field,
      value: limit,
    });
  }
  return limit;
}

/**
 * Throws STORE_INVALID_QUERY unless `limit` is a positive integer. For reads the caller pages
 * through itself (timeline, replay), where a cap would protect nothing: omitting the limit
 * reads everything anyway.
 */
export function checkPositiveLimit(limit: unknown, field = 'limit'): number {
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) {
    throw invalidQuery(`${field} must be a positive integer, got ${String(limit)}`, { field, value: limit });
  }
  return limit;
}

/** Throws STORE_INVALID_QUERY unless `value` is a non-negative integer (an id to page after). */
export function checkAfterId(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidQuery(`afterId must be a non-negative integer, got ${String(value)}`, { field: 'afterId', value });
  }
  return value;
}

/** Milliseconds since the epoch of an ISO-8601 time a query filters on; STORE_INVALID_QUERY if unparseable. */
export function queryTime(value: string, field: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw invalidQuery(`${field} is not an ISO-8601 time: ${value}`, { field, value });
  return ms;
}

/** Milliseconds since the epoch of an ISO-8601 time being written; STORE_INVALID_VALUE if unparseable. */
export function valueTime(value: unknown, field: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw invalidValue(`${field} is not an ISO-8601 time: ${String(value)}`, { field, value });
  return ms;
}

/** Position after the last item of an incident page: incidents are ordered newest opened first. */
export interface IncidentCursor {
  openedMs: number;
  id: string;
}

/**
 * Encodes a keyset position as an opaque, URL-safe string. Callers must treat it as opaque: its
 * shape may change between versions (a stale cursor then fails with STORE_INVALID_QUERY).
 */
export function encodeCursor(cursor: IncidentCursor): string {
  return Buffer.from(JSON.stringify({ v: 1, o: cursor.openedMs, i: cursor.id }), 'utf8').toString('base64url');
}

/** True when `cursor` is one {@link encodeCursor} made (callers give a clear error of their own otherwise). */
export function isIssuedCursor(cursor: string): boolean {
  try {
    decodeCursor(cursor);
    return true;
  } catch {
    return false;
  }
}

/** Decodes a cursor from {@link encodeCursor}; STORE_INVALID_QUERY for anything else. */
export function decodeCursor(cursor: string): IncidentCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (typeof parsed === 'object' && parsed !== null) {
    const { v, o, i } = parsed as Record<string, unknown>;
    if (v === 1 && typeof o === 'number' && Number.isSafeInteger(o) && typeof i === 'string' && i !== '') {
      return { openedMs: o, id: i };
    }
  }
  throw invalidQuery('cursor is not one this store issued', { field: 'cursor' });
}

/** Longest cluster or severity value a list filter takes. */
const MAX_FILTER_VALUE = 200;

/** Throws STORE_INVALID_QUERY unless `values` is a non-empty list of non-empty strings; returns them without repeats. */
function filterValues(values: unknown, field: string): string[] {
  if (!Array.isArray(values) || values.length === 0) throw invalidQuery(`${field} must be a non-empty list of values`, { field });
  for (const value of values) {
    if (typeof value !== 'string' || value === '' || value.length > MAX_FILTER_VALUE) {
      throw invalidQuery(`${field} values must be strings of 1 to ${MAX_FILTER_VALUE} characters, got ${String(value)}`, { field, value });
    }
  }
  return [...new Set(values as string[])];
}

/**
 * The conditions of an incident list, for every SQL backend: status, cluster, severity, opened
 * time range and the keyset cursor, ANDed. `param` takes a value and returns its placeholder
 * (`?` or `$n`). Validates the query (STORE_INVALID_QUERY) and returns the page size too.
 */
export function incidentListConditions(query: IncidentQuery, param: (value: string | number) => string): { conditions: string[]; limit: number } {
  const limit = checkLimit(query.limit);
  const conditions: string[] = [];
  const oneOf = (column: string, values: readonly string[]) => `${column} IN (${values.map(param).join(', ')})`;
  if (query.status !== undefined) {
    if (!Array.isArray(query.status) || query.status.length === 0) {
      throw invalidQuery('status must be a non-empty list of incident statuses', { field: 'status' });
    }
    for (const status of query.status) {
      if (!isIncidentStatus(status)) throw invalidQuery(`unknown incident status ${String(status)}`, { field: 'status', value: status });
    }
    conditions.push(oneOf('status', [...new Set(query.status)]));
  }
  if (query.cluster !== undefined) conditions.push(oneOf('cluster', filterValues(query.cluster, 'cluster')));
  if (query.severity !== undefined) conditions.push(oneOf('severity', filterValues(query.severity, 'severity')));
  if (query.since !== undefined) conditions.push(`opened_ms >= ${param(queryTime(query.since, 'since'))}`);
  if (query.until !== undefined) conditions.push(`opened_ms < ${param(queryTime(query.until, 'until'))}`);
  if (query.cursor !== undefined) {
    const after = decodeCursor(query.cursor);
    // One placeholder per use: SQLite's `?` are positional.
    conditions.push(`(opened_ms < ${param(after.openedMs)} OR (opened_ms = ${param(after.openedMs)} AND id < ${param(after.id)}))`);
  }
  return { conditions, limit };
}

/** The cursor after the last of `rows` when the query read one row more than the page (`limit + 1`). */
export function nextCursorOf(rows: ReadonlyArray<Record<string, unknown>>, limit: number): string | null {
  const last = rows[limit - 1];
  if (rows.length <= limit || last === undefined) return null;
  return encodeCursor({ openedMs: Number(last.opened_ms), id: String(last.id) });
}
