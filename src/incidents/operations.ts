/**
 * What responders write on an incident (API, console): notes, roles, action items and status
 * updates for stakeholders. Each write checks that the incident exists and appends its timeline
 * entry in the same store transaction, with the person's name as the actor.
 */
import type { Clock } from '../core/clock.ts';
import type { Store } from '../store/types.ts';
import { oneLine } from './describe.ts';
import { incidentNotFound } from './errors.ts';
import type { ActionItem, Phase, RoleAssignment, RoleName, TimelineEntry } from '../model/incident.ts';

export interface OperationDeps {
  store: Store;
  clock: Clock;
}

/** A stakeholder update: what we know, what we do, when the next update comes. */
export interface StatusUpdateInput {
  known: string;
  doing: string;
  /** ISO time of the next update, or null when none is promised. */
  nextUpdateAt: string | null;
}

const iso = (clock: Clock) => new Date(clock.now()).toISOString();

export async function addNote(deps: OperationDeps, incidentId: string, input: { text: string; phase?: Phase | null }, actor: string): Promise<TimelineEntry> {
  const entry = await deps.store.transaction(async (tx) => {
    if ((await tx.getIncident(incidentId)) === null) throw incidentNotFound(incidentId);
    return tx.appendTimeline({
      incidentId,
      at: iso(deps.clock),
      phase: input.phase ?? null,
      kind: 'note',
      actor,
      summary: oneLine(input.text),
      data: { text: input.text },
    });
  });
  return entry;
}

export async function assignRole(deps: OperationDeps, incidentId: string, input: { role: RoleName; person: string }, actor: string): Promise<RoleAssignment> {
  const assignment: RoleAssignment = { role: input.role, person: input.person, assignedAt: iso(deps.clock), assignedBy: actor };
  await deps.store.transaction(async (tx) => {
    if ((await tx.getIncident(incidentId)) === null) throw incidentNotFound(incidentId);
    await tx.assignRole(incidentId, assignment);
    await tx.appendTimeline({
      incidentId,
      at: assignment.assignedAt,
      phase: null,
      kind: 'role.assigned',
      actor,
      summary: `${oneLine(input.person)} is ${input.role}`,
      data: { role: input.role, person: input.person },
    });
  });
  return assignment;
}

export async function addActionItem(
  deps: OperationDeps,
  incidentId: string,
  input: { title: string; owner?: string | null; dueDate?: string | null },
  actor: string,
): Promise<ActionItem> {
  const item = await deps.store.transaction(async (tx) => {
    if ((await tx.getIncident(incidentId)) === null) throw incidentNotFound(incidentId);
    const added = await tx.addActionItem({
      incidentId,
      title: input.title,
      owner: input.owner ?? null,
      dueDate: input.dueDate ?? null,
      createdAt: iso(deps.clock),
      createdBy: actor,
    });
    await tx.appendTimeline({
      incidentId,
      at: added.createdAt,
      phase: 'lessons-learned',
      kind: 'action-item.added',
      actor,
      summary: `Action item: ${oneLine(input.title)}`,
      data: { actionItemId: added.id, title: added.title, owner: added.owner, dueDate: added.dueDate },
    });
    return added;
  });
  return item;
}

/**
 * Records a status update for stakeholders (`status.update`); the notifier sends it to the
 * targets subscribed to `status-update` (src/record/notifier.ts).
 */
export async function postStatusUpdate(deps: OperationDeps, incidentId: string, input: StatusUpdateInput, actor: string): Promise<TimelineEntry> {
  const entry = await deps.store.transaction(async (tx) => {
    if ((await tx.getIncident(incidentId)) === null) throw incidentNotFound(incidentId);
    const next = input.nextUpdateAt === null ? '' : `; next update at ${input.nextUpdateAt}`;
    return tx.appendTimeline({
      incidentId,
      at: iso(deps.clock),
      phase: null,
      kind: 'status.update',
      actor,
      summary: `Status update: ${oneLine(input.known, 120)}${next}`,
      data: { known: input.known, doing: input.doing, nextUpdateAt: input.nextUpdateAt },
    });
  });
  return entry;
}
