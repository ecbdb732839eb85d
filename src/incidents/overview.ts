/**
 * What a responder needs to see of incidents, read from the store: the list with what needs a
 * person (approvals waiting, containments in force), one incident in full, and every approval
 * waiting across incidents. Shared by the API, the console and the CLI (through the API), so they
 * all show the same thing.
 */
import { inPlace, type Approval, type EngineTimer, type StepClaim } from '../model/engine.ts';
import type { AlertEvent, IncidentQuery, IncidentSummary, Page, Store } from '../store/types.ts';
import { currentStates } from './alert-state.ts';
import { incidentNotFound } from './errors.ts';
import { computeFigures, type IncidentFigures } from './figures.ts';
import type { ActionItem, Alert, Incident, RoleAssignment, TimelineEntry } from '../model/incident.ts';

export type { IncidentSummary } from '../store/types.ts';

/** A change still in place, with what it replaced: what a revert would restore. */
export interface Containment {
  claimId: number;
  stepId: string;
  runbook: string;
  action: string;
  params: Record<string, unknown>;
  /** The changes as planned (`plan.changes`: resource, key, from, to), when recorded. */
  plan: unknown;
  prior: unknown;
  applied: unknown;
  appliedAt: string;
  /** `on-resolve`, `manual`, `never`, ... as the step said when it ran. */
  revert: string;
  /** `succeeded`, or `interrupted` (its outcome is unknown: treated as in place). */
  status: string;
  /** `failed` when a revert was tried and failed (it may be tried again), else null. */
  revertStatus: string | null;
  revertDetail: unknown;
  /** How it is let go, and how far that has got (docs/engine.md "Releases"). */
  release: ContainmentRelease;
}

/**
 * The release of a change still in place. `status`: `in-force` (nothing under way: the alert
 * still fires, or the step is released by hand), `releasing` (a release waits for its condition
 * or its next level), `retrying` (a revert or level change failed and is tried again), `failed`
 * (it failed for good: a person must revert), `held` (the loop breaker keeps it in force).
 */
export interface ContainmentRelease {
  mode: string;
  status: 'in-force' | 'releasing' | 'retrying' | 'failed' | 'held';
  /** Levels relaxed so far (gradual), 0 for the change as applied. */
  level: number;
  /** Re-fires firebreak's releases caused in this episode. */
  tooEarly: number;
  /** When the release is looked at next (a check, a level, a retry), or null. */
  nextAt: string | null;
  /** Failed attempts of the release under way. */
  attempts: number;
  lastError: string | null;
}

export interface IncidentDetail {
  incident: Incident;
  figures: IncidentFigures;
  alerts: Alert[];
  roles: RoleAssignment[];
  actionItems: ActionItem[];
  /** Pending approvals, oldest request first. */
  approvals: Approval[];
  /** Changes in place, newest first. */
  containments: Containment[];
}

/** An approval waiting, with the incident it belongs to and who is expected to decide. */
export interface WaitingApproval extends Approval {
  incident: Pick<Incident, 'id' | 'title' | 'status' | 'severity' | 'cluster'>;
  /** The incident's commander when one is assigned; otherwise any responder may decide. */
  commander: string | null;
}

/** Page size used when a whole timeline is read. */
const TIMELINE_PAGE = 500;

/** The incident with this id; the store's NOT_FOUND (404) when there is none. */
export async function requireIncident(store: Pick<Store, 'getIncident'>, incidentId: string): Promise<Incident> {
  const incident = await store.getIncident(incidentId);
  if (incident === null) throw incidentNotFound(incidentId);
  return incident;
}

/** One page of an incident's timeline, and the `afterId` of the next page (null on the last one). */
export interface TimelinePage {
  items: TimelineEntry[];
  nextAfterId: number | null;
}

/**
 * The timeline of an existing incident, `limit` entries after `afterId` (oldest first). A full page
 * may be the last one: the next call then answers an empty page.
 */
export async function timelinePage(store: Store, incidentId: string, query: { limit: number; afterId?: number }): Promise<TimelinePage> {
  await requireIncident(store, incidentId);
  const items = await store.timeline(incidentId, { limit: query.limit, ...(query.afterId === undefined ? {} : { afterId: query.afterId }) });
  const last = items.at(-1);
  return { items, nextAfterId: items.length === query.limit && last !== undefined ? last.id : null };
}

export async function wholeTimeline(store: Store, incidentId: string): Promise<TimelineEntry[]> {
  const entries: TimelineEntry[] = [];
  for (;;) {
    const last = entries.at(-1);
    const page = await store.timeline(incidentId, { limit: TIMELINE_PAGE, ...(last === undefined ? {} : { afterId: last.id }) });
    entries.push(...page);
    if (page.length < TIMELINE_PAGE) return entries;
  }
}

export function containmentOf(claim: StepClaim, timers: readonly EngineTimer[] = []): Containment {
  const timer = timers.find((t) => t.claimId === claim.id && t.kind === 'release');
  const state = claim.releaseState;
  const status: ContainmentRelease['status'] =
    state?.hold != null ? 'held' : timer !== undefined ? (claim.revertStatus === 'failed' ? 'retrying' : 'releasing') : claim.revertStatus === 'failed' ? 'failed' : 'in-force';
  return {
    claimId: claim.id,
    stepId: claim.stepId,
    runbook: claim.runbook,
    action: claim.action,
    params: claim.params,
    plan: claim.plan,
    prior: claim.prior,
    applied: claim.applied,
    appliedAt: claim.finishedAt ?? claim.claimedAt,
    revert: claim.revert,
    status: claim.status,
    revertStatus: claim.revertStatus,
    revertDetail: claim.revertDetail,
    release: {
      mode: claim.release?.mode ?? claim.revert,
      status,
      level: state?.current.index ?? 0,
      tooEarly: state?.tooEarly ?? 0,
      nextAt: timer?.dueAt ?? null,
      attempts: timer?.attempts ?? 0,
      lastError: timer?.lastError ?? null,
    },
  };
}

/** Changes of an incident still in place, newest first. */
export async function containmentsInForce(store: Store, incidentId: string): Promise<Containment[]> {
  const [claims, timers] = await Promise.all([store.stepClaims({ incidentId }), store.timers({ incidentId, kind: ['release'], status: ['pending', 'running'] })]);
  return claims
    .filter(inPlace)
    .reverse()
    .map((c) => containmentOf(c, timers));
}

/**
 * A page of incidents (newest opened first, filtered in the store) with their approval and
 * containment counts: one store read, whatever the page size.
 */
export function listIncidentSummaries(store: Store, query: IncidentQuery): Promise<Page<IncidentSummary>> {
  return store.incidentSummaries(query);
}

/**
 * What needs a person first: incidents with approvals waiting, then those with containments in
 * force, then the rest; newest opened first within each (a stable sort of a newest-first list).
 */
export function byAttention<T extends Pick<IncidentSummary, 'pendingApprovals' | 'containmentsInForce' | 'status'>>(items: readonly T[]): T[] {
  const rank = (i: T) => (i.pendingApprovals > 0 ? 0 : i.containmentsInForce > 0 ? 1 : i.status === 'open' ? 2 : 3);
  return [...items].sort((a, b) => rank(a) - rank(b));
}

export async function incidentDetail(store: Store, incidentId: string, timeline?: readonly TimelineEntry[]): Promise<IncidentDetail> {
  const incident = await store.getIncident(incidentId);
  if (incident === null) throw incidentNotFound(incidentId);
  const [entries, events, roles, actionItems, approvals, containments] = await Promise.all([
    timeline === undefined ? wholeTimeline(store, incidentId) : Promise.resolve(timeline),
    store.alertEvents(incidentId),
    store.roles(incidentId),
    store.actionItems(incidentId),
    store.approvals({ incidentId, state: ['pending'] }),
    containmentsInForce(store, incidentId),
  ]);
  return {
    incident,
    figures: computeFigures(incident, entries),
    alerts: alertsOf(events),
    roles,
    actionItems,
    approvals,
    containments,
  };
}

export function alertsOf(events: readonly AlertEvent[]): Alert[] {
  return [...currentStates(events.map((e) => e.alert)).values()];
}

/** Every approval waiting, the one expiring first at the top. */
export async function waitingApprovals(store: Store): Promise<WaitingApproval[]> {
  const pending = await store.approvals({ state: ['pending'] });
  const incidents = new Map<string, { incident: Incident | null; roles: RoleAssignment[] }>();
  for (const id of new Set(pending.map((a) => a.incidentId))) {
    incidents.set(id, { incident: await store.getIncident(id), roles: await store.roles(id) });
  }
  const waiting: WaitingApproval[] = [];
  for (const approval of pending) {
    const found = incidents.get(approval.incidentId);
    if (found?.incident === null || found === undefined) continue;
    const { id, title, status, severity, cluster } = found.incident;
    waiting.push({ ...approval, incident: { id, title, status, severity, cluster }, commander: found.roles.find((r) => r.role === 'commander')?.person ?? null });
  }
  return waiting.sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt) || a.id - b.id);
}
