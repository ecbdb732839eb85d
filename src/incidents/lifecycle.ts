/**
 * The incident lifecycle: which status changes are allowed, and the one function that performs
 * a change (status, its timestamp, and the `incident.status` timeline entry) so that ingest,
 * the engine and the API all leave the same trace.
 *
 * Alerts move an incident between open and resolved (and back on a re-fire), the engine sets
 * contained and recovered, a person closes it; {@link TRANSITIONS} is the whole table and
 * docs/incidents.md explains it.
 */
import { incidentNotFound, invalidTransition } from './errors.ts';
import { toIso } from './normalize.ts';
import type { Incident, IncidentStatus, Phase, TimelineEntry } from '../model/incident.ts';
import type { Store, StoreTx } from '../store/types.ts';

/**
 * Allowed transitions, each with the reason it exists. Anything not listed is refused with
 * INCIDENT_INVALID_TRANSITION, including a change to the same status and anything out of
 * `closed` (a closed incident is never re-opened: a new alert opens a new incident).
 */
export const TRANSITIONS: Readonly<Record<IncidentStatus, Readonly<Partial<Record<IncidentStatus, string>>>>> = {
  open: {
    contained: 'the engine completed a containment step',
    resolved: 'every alert of the incident resolved',
    closed: 'closed by hand while still open',
  },
  contained: {
    open: 'containment was reverted while alerts still fire',
    resolved: 'every alert of the incident resolved',
    closed: 'closed by hand while contained',
  },
  resolved: {
    open: 'an alert fired again before the incident was closed',
    recovered: 'the engine reverted containment and verified recovery',
    closed: 'closed after resolution',
  },
  recovered: {
    open: 'an alert fired again before the incident was closed',
    closed: 'closed after recovery',
  },
  closed: {},
};

/** Whether the lifecycle allows going from `from` to `to`. */
export function canTransition(from: IncidentStatus, to: IncidentStatus): boolean {
  return TRANSITIONS[from][to] !== undefined;
}

/** The incident-response phase a status belongs to, used for its timeline entry. */
export function phaseOfStatus(status: IncidentStatus): Phase {
  switch (status) {
    case 'open':
      return 'identification';
    case 'contained':
      return 'containment';
    case 'resolved':
    case 'recovered':
      return 'recovery';
    case 'closed':
      return 'lessons-learned';
  }
}

/** Timestamp fields a transition sets or clears. */
function timestampsFor(incident: Incident, to: IncidentStatus, at: string): Partial<Incident> {
  switch (to) {
    case 'open':
      // A re-opened incident is no longer resolved nor recovered; `containedAt` stays, because
      // time to contain measures the first containment.
      return { resolvedAt: null, recoveredAt: null };
    case 'contained':
      return { containedAt: incident.containedAt ?? at };
    case 'resolved':
      return { resolvedAt: at };
    case 'recovered':
      return { recoveredAt: at };
    case 'closed':
      return { closedAt: at };
  }
}

export interface TransitionResult {
  incident: Incident;
  entry: TimelineEntry;
  from: IncidentStatus;
}

/**
 * Moves an incident to `to` inside the caller's transaction: validates the change against
 * {@link TRANSITIONS}, sets the status and its timestamp (`containedAt` keeps the first
 * containment, `open` clears `resolvedAt`/`recoveredAt`), and appends an `incident.status`
 * timeline entry at `at` with `actor` and `summary`. `data` is merged into the entry's data.
 *
 * @throws FirebreakError NOT_FOUND, INCIDENT_INVALID_TRANSITION
 */
export async function transitionIncident(
  tx: StoreTx,
  id: string,
  to: IncidentStatus,
  at: number | string,
  actor: string,
  summary: string,
  data: Record<string, unknown> = {},
): Promise<TransitionResult> {
  const current = await tx.getIncident(id);
  if (current === null) throw incidentNotFound(id);
  const from = current.status;
  if (!canTransition(from, to)) throw invalidTransition(id, from, to);
  const when = toIso(at);
  // `at` may be the past (an alert's endsAt); updatedAt never goes backwards.
  const updatedAt = when > current.updatedAt ? when : current.updatedAt;
  const incident = await tx.updateIncident(id, { status: to, ...timestampsFor(current, to, when), updatedAt });
  const entry = await tx.appendTimeline({
    incidentId: id,
    at: when,
    phase: phaseOfStatus(to),
    kind: 'incident.status',
    actor,
    summary,
    data: { ...data, from, to },
  });
  return { incident, entry, from };
}

/**
 * Closes an incident by hand (API, CLI), in its own transaction. Allowed from every status but
 * `closed`; closing an incident whose alerts still fire is allowed and recorded as such.
 *
 * @throws FirebreakError NOT_FOUND, INCIDENT_INVALID_TRANSITION (already closed)
 */
export async function closeIncident(store: Store, id: string, actor: string, now: number, reason?: string): Promise<Incident> {
  return store.transaction(async (tx) => {
    const current = await tx.getIncident(id);
    if (current === null) throw incidentNotFound(id);
    const stillFiring = current.status === 'open' || current.status === 'contained';
    const why = reason === undefined || reason.trim() === '' ? '' : `: ${reason.trim()}`;
    const summary = `Closed by ${actor}${stillFiring ? ` while ${current.status}` : ''}${why}`;
    const data: Record<string, unknown> = reason === undefined ? {} : { reason };
    const { incident } = await transitionIncident(tx, id, 'closed', now, actor, summary, data);
    return incident;
  });
}
