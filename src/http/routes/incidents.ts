/**
 * The incident API under `/api/v1/incidents`: viewers read, responders write (notes, roles,
 * action items, close). Every write appends a timeline entry, in the same store transaction,
 * with the operator token's name as the actor.
 */
import type { Express, Request, Response } from 'express';
import type { Clock } from '../../core/clock.ts';
import type { IncidentStatus, Phase, RoleName, TimelineEntry } from '../../incidents/model.ts';
import { currentStates } from '../../incidents/alert-state.ts';
import { oneLine } from '../../incidents/describe.ts';
import { incidentNotFound } from '../../incidents/errors.ts';
import { computeFigures } from '../../incidents/figures.ts';
import { closeIncident } from '../../incidents/lifecycle.ts';
import { buildPostmortem, renderPostmortemMarkdown } from '../../incidents/postmortem.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import type { Store } from '../../store/types.ts';
import {
  ACTION_ITEM_BODY,
  CLOSE_BODY,
  LIST_INCIDENTS_QUERY,
  NOTE_BODY,
  POSTMORTEM_QUERY,
  ROLE_BODY,
  TIMELINE_QUERY,
} from '../api-schemas.ts';
import { actorOf, type Authenticator } from '../auth.ts';
import { jsonBody } from '../body.ts';
import { bodyValidator, queryValidator } from '../validation.ts';

export interface IncidentRoutesDeps {
  store: Store;
  clock: Clock;
  metrics: Metrics;
  auth: Authenticator;
  /** Largest API request body, bytes. */
  bodyLimit: number;
}

const BASE = '/api/v1/incidents';
/** Page size used when a route reads a whole timeline. */
const TIMELINE_PAGE = 500;

export function registerIncidentRoutes(app: Express, deps: IncidentRoutesDeps): void {
  const { store, clock, metrics, auth } = deps;
  const viewer = auth.operator('viewer');
  const responder = auth.operator('responder');
  const body = jsonBody({ limit: deps.bodyLimit, codePrefix: 'API' });
  const optionalBody = jsonBody({ limit: deps.bodyLimit, codePrefix: 'API', optional: true });

  const listQuery = queryValidator<{ status?: IncidentStatus[]; since?: string; until?: string; limit: number; cursor?: string }>(LIST_INCIDENTS_QUERY);
  const timelineQuery = queryValidator<{ afterId?: number; limit: number }>(TIMELINE_QUERY);
  const postmortemQuery = queryValidator<{ format: 'markdown' | 'json' }>(POSTMORTEM_QUERY);
  const noteBody = bodyValidator<{ text: string; phase?: Phase }>(NOTE_BODY);
  const roleBody = bodyValidator<{ role: RoleName; person: string }>(ROLE_BODY);
  const actionItemBody = bodyValidator<{ title: string; owner?: string | null; dueDate?: string | null }>(ACTION_ITEM_BODY);
  const closeBody = bodyValidator<{ reason?: string }>(CLOSE_BODY);

  const now = () => new Date(clock.now()).toISOString();

  async function existing(id: string) {
    const incident = await store.getIncident(id);
    if (incident === null) throw incidentNotFound(id);
    return incident;
  }

  async function wholeTimeline(id: string): Promise<TimelineEntry[]> {
    const entries: TimelineEntry[] = [];
    for (;;) {
      const last = entries.at(-1);
      const page = await store.timeline(id, { limit: TIMELINE_PAGE, ...(last === undefined ? {} : { afterId: last.id }) });
      entries.push(...page);
      if (page.length < TIMELINE_PAGE) return entries;
    }
  }

  app.get(BASE, viewer, async (req: Request, res: Response) => {
    const q = listQuery(req);
    const page = await store.listIncidents({
      limit: q.limit,
      ...(q.status === undefined || q.status.length === 0 ? {} : { status: q.status }),
      ...(q.since === undefined ? {} : { since: q.since }),
      ...(q.until === undefined ? {} : { until: q.until }),
      ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
    });
    res.json(page);
  });

  app.get(`${BASE}/:id`, viewer, async (req: Request<{ id: string }>, res: Response) => {
    const incident = await existing(req.params.id);
    const [timeline, events, roles, actionItems, approvals] = await Promise.all([
      wholeTimeline(incident.id),
      store.alertEvents(incident.id),
      store.roles(incident.id),
      store.actionItems(incident.id),
      store.approvals({ incidentId: incident.id, state: ['pending'] }),
    ]);
    const alerts = [...currentStates(events.map((e) => e.alert)).values()];
    res.json({ incident, figures: computeFigures(incident, timeline), alerts, roles, actionItems, approvals });
  });

  app.get(`${BASE}/:id/timeline`, viewer, async (req: Request<{ id: string }>, res: Response) => {
    const q = timelineQuery(req);
    await existing(req.params.id);
    const items = await store.timeline(req.params.id, { limit: q.limit, ...(q.afterId === undefined ? {} : { afterId: q.afterId }) });
    const last = items.at(-1);
    res.json({ items, nextAfterId: items.length === q.limit && last !== undefined ? last.id : null });
  });

  app.post(`${BASE}/:id/notes`, responder, body, async (req: Request<{ id: string }>, res: Response) => {
    const input = noteBody(req);
    const actor = actorOf(res);
    const entry = await store.transaction(async (tx) => {
      if ((await tx.getIncident(req.params.id)) === null) throw incidentNotFound(req.params.id);
      return tx.appendTimeline({
        incidentId: req.params.id,
        at: now(),
        phase: input.phase ?? null,
        kind: 'note',
        actor,
        summary: oneLine(input.text),
        data: { text: input.text },
      });
    });
    metrics.timelineEntry('note');
    res.status(201).json(entry);
  });

  app.post(`${BASE}/:id/roles`, responder, body, async (req: Request<{ id: string }>, res: Response) => {
    const input = roleBody(req);
    const actor = actorOf(res);
    const assignment = { role: input.role, person: input.person, assignedAt: now(), assignedBy: actor };
    await store.transaction(async (tx) => {
      if ((await tx.getIncident(req.params.id)) === null) throw incidentNotFound(req.params.id);
      await tx.assignRole(req.params.id, assignment);
      await tx.appendTimeline({
        incidentId: req.params.id,
        at: assignment.assignedAt,
        phase: null,
        kind: 'role.assigned',
        actor,
        summary: `${oneLine(input.person)} is ${input.role}`,
        data: { role: input.role, person: input.person },
      });
    });
    metrics.timelineEntry('role.assigned');
    res.status(201).json(assignment);
  });

  app.post(`${BASE}/:id/action-items`, responder, body, async (req: Request<{ id: string }>, res: Response) => {
    const input = actionItemBody(req);
    const actor = actorOf(res);
    const item = await store.transaction(async (tx) => {
      if ((await tx.getIncident(req.params.id)) === null) throw incidentNotFound(req.params.id);
      const added = await tx.addActionItem({
        incidentId: req.params.id,
        title: input.title,
        owner: input.owner ?? null,
        dueDate: input.dueDate ?? null,
        createdAt: now(),
        createdBy: actor,
      });
      await tx.appendTimeline({
        incidentId: req.params.id,
        at: added.createdAt,
        phase: 'lessons-learned',
        kind: 'action-item.added',
        actor,
        summary: `Action item: ${oneLine(input.title)}`,
        data: { actionItemId: added.id, title: added.title, owner: added.owner, dueDate: added.dueDate },
      });
      return added;
    });
    metrics.timelineEntry('action-item.added');
    res.status(201).json(item);
  });

  app.post(`${BASE}/:id/close`, responder, optionalBody, async (req: Request<{ id: string }>, res: Response) => {
    const input = closeBody(req);
    const incident = await closeIncident(store, req.params.id, actorOf(res), clock.now(), input.reason);
    metrics.timelineEntry('incident.status');
    res.json(incident);
  });

  app.get(`${BASE}/:id/postmortem`, viewer, async (req: Request<{ id: string }>, res: Response) => {
    const q = postmortemQuery(req);
    const postmortem = await buildPostmortem(store, req.params.id, clock.now());
    if (q.format === 'json') {
      res.json(postmortem);
      return;
    }
    res.type('text/markdown; charset=utf-8').send(renderPostmortemMarkdown(postmortem));
  });
}
