/**
 * Errors of the incident domain. Codes are stable and documented in docs/errors.md.
 */
import { errorFactory, type ErrorCatalogue, type FirebreakError } from '../errors.ts';
import { notFound } from '../store/errors.ts';
import type { IncidentStatus } from '../model/incident.ts';

/** The incident domain's codes (an unknown incident id is the store's NOT_FOUND). */
export const INCIDENT_ERRORS = {
  INCIDENT_INVALID_NOTIFICATION: { status: 422 },
  /** Never raised: written in a processed notification's `error` when alerts of it were left out. */
  INCIDENT_ALERT_REJECTED: { status: null },
  INCIDENT_INVALID_TRANSITION: { status: 409 },
  INCIDENT_INCONSISTENT_STORE: { status: 500 },
} as const satisfies ErrorCatalogue;

export const incidentError = errorFactory(INCIDENT_ERRORS);

/** The stored webhook body cannot be read as an Alertmanager v4 notification. Permanent. */
export function invalidNotification(message: string, details: Record<string, unknown> = {}): FirebreakError {
  return incidentError('INCIDENT_INVALID_NOTIFICATION', message, { details });
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
  return incidentError('INCIDENT_INVALID_TRANSITION', `incident ${id} cannot go from ${from} to ${to}`, {
    details: { incidentId: id, from, to },
  });
}
