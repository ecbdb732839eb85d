/**
 * Errors of the incident domain. Codes are stable and documented in docs/errors.md.
 */
import { FirebreakError } from '../errors.ts';
import { notFound } from '../store/errors.ts';
import type { IncidentStatus } from '../model/incident.ts';

/** The stored webhook body cannot be read as an Alertmanager v4 notification. Permanent. */
export function invalidNotification(message: string, details: Record<string, unknown> = {}): FirebreakError {
  return new FirebreakError('INCIDENT_INVALID_NOTIFICATION', message, { statusCode: 422, details });
}

/**
 * No incident with this id: the store's NOT_FOUND (404), so the API answers an unknown incident
 * the same way whichever module noticed.
 */
export function incidentNotFound(id: string): FirebreakError {
  return notFound('incident', id);
}

/** The status change is not in the transition table (for example anything out of `closed`). */
export function invalidTransition(id: string, from: IncidentStatus, to: IncidentStatus): FirebreakError {
  return new FirebreakError('INCIDENT_INVALID_TRANSITION', `incident ${id} cannot go from ${from} to ${to}`, {
    statusCode: 409,
    details: { incidentId: id, from, to },
  });
}
