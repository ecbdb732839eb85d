/**
 * The incident list with what needs a person in each incident, for every SQL backend: one
 * statement reads the page of incidents and counts, per incident of the page only, its pending
 * approvals and its changes still in place. The list therefore costs one read whatever its
 * length (it was two reads per incident).
 */
import { integer } from './rows/columns.ts';
import { INCIDENT_COLUMNS, toIncident } from './rows/incident-rows.ts';
import type { Row } from './rows/columns.ts';
import type { IncidentSummary } from './types.ts';

/**
 * The statement: the page is chosen first (newest opened first, `limitPlaceholder` rows), then
 * counted, so the counts cost a few index lookups per listed incident and nothing for the rest.
 * A change is in place as the engine's `inPlace` says (src/engine/history.ts): mutating,
 * succeeded or interrupted, neither reverted nor given up after a conflict. `mutatingTrue` is
 * the backend's literal for a true `mutating` column (`1` in SQLite, `true` in PostgreSQL).
 */
export function incidentSummariesSql(conditions: readonly string[], limitPlaceholder: string, mutatingTrue: string): string {
  return `SELECT page.*,
       (SELECT COUNT(*) FROM engine_approvals a WHERE a.incident_id = page.id AND a.state = 'pending') AS pending_approvals,
       (SELECT COUNT(*) FROM engine_step_claims c
         WHERE c.incident_id = page.id AND c.mutating = ${mutatingTrue} AND c.status IN ('succeeded', 'interrupted')
           AND (c.revert_status IS NULL OR c.revert_status NOT IN ('reverted', 'conflict'))) AS containments_in_force
     FROM (SELECT ${INCIDENT_COLUMNS} FROM incidents
           ${conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`}
           ORDER BY opened_ms DESC, id DESC LIMIT ${limitPlaceholder}) page
     ORDER BY page.opened_ms DESC, page.id DESC`;
}

export function toIncidentSummary(row: Row): IncidentSummary {
  return { ...toIncident(row), pendingApprovals: integer(row, 'pending_approvals'), containmentsInForce: integer(row, 'containments_in_force') };
}
