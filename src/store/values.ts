/**
 * Checks and encodings of values written by every SQL backend, so all of them refuse the same
 * inputs with the same codes (STORE_INVALID_VALUE).
 */
import type { Clock } from '../core/clock.ts';
import type { Incident } from '../model/incident.ts';
import { invalidValue } from './errors.ts';
import { isIncidentStatus, valueTime } from './query.ts';

/** JSON text of `value` (`undefined` is stored as null); STORE_INVALID_VALUE when it has none. */
export function jsonText(value: unknown, field: string): string {
  let out: string | undefined;
  try {
    out = JSON.stringify(value === undefined ? null : value);
  } catch (err) {
    throw invalidValue(`${field} cannot be serialised as JSON: ${(err as Error).message}`, { field });
  }
  if (out === undefined) throw invalidValue(`${field} cannot be serialised as JSON`, { field });
  return out;
}

/** `value` when it is one of `allowed`; STORE_INVALID_VALUE naming `field` otherwise. */
export function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidValue(`unknown ${field} ${String(value)}`, { field });
  }
  return value as T;
}

/** An incident's column values, in the order of INCIDENT_COLUMNS (rows/incident-rows.ts). */
export function incidentValues(incident: Incident): Array<string | number | null> {
  if (!isIncidentStatus(incident.status)) {
    throw invalidValue(`unknown incident status ${String(incident.status)}`, { field: 'status' });
  }
  return [
    incident.id,
    incident.key,
    incident.title,
    incident.severity ?? null,
    incident.cluster ?? null,
    incident.status,
    incident.runbook ?? null,
    jsonText(incident.labels ?? {}, 'labels'),
    incident.startedAt,
    incident.openedAt,
    valueTime(incident.openedAt, 'openedAt'),
    incident.containedAt ?? null,
    incident.resolvedAt ?? null,
    incident.recoveredAt ?? null,
    incident.closedAt ?? null,
    incident.updatedAt,
  ];
}

/**
 * `current` with the fields present in `patch` (an `undefined` value counts as absent, so spreads
 * of optional values are safe; `id` never changes), `updatedAt` stamped from the clock unless
 * the patch sets it.
 */
export function patchedIncident(current: Incident, patch: Partial<Omit<Incident, 'id'>>, clock: Clock): Incident {
  const next: Incident = { ...current };
  for (const [field, value] of Object.entries(patch)) {
    if (value !== undefined && field !== 'id' && field in current) {
      (next as unknown as Record<string, unknown>)[field] = value;
    }
  }
  if (patch.updatedAt === undefined) next.updatedAt = new Date(clock.now()).toISOString();
  return next;
}
