/**
 * The incident API under `/api/v1/incidents`: viewers read, responders write (notes, roles,
 * action items, close). Every write appends a timeline entry, in the same store transaction,
 * with the operator token's name as the actor; the writes themselves live in
 * src/incidents/operations.ts, shared with the console.
 */
import type { Express, Request, Response } from 'express';
import type { Clock } from '../../core/clock.ts';
import type { IncidentStatus, Phase, RoleName } from '../../incidents/model.ts';
import { incidentNotFound } from '../../incidents/errors.ts';
import { closeIncident } from '../../incidents/lifecycle.ts';
import { addActionItem, addNote, assignRole } from '../../incidents/operations.ts';
import { incidentDetail, listIncidentSummaries } from '../../incidents/overview.ts';
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

  const ops = { store, clock, metrics };

  app.get(BASE, viewer, async (req: Request, res: Response) => {
    const q = listQuery(req);
    const page = await listIncidentSummaries(store, {
      limit: q.limit,
      ...(q.status === undefined || q.status.length === 0 ? {} : { status: q.status }),
      ...(q.since === undefined ? {} : { since: q.since }),
      ...(q.until === undefined ? {} : { until: q.until }),
      ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
    });
    res.json(page);
  });

  app.get(`${BASE}/:id`, viewer, async (req: Request<{ id: string }>, res: Response) => {
    res.json(await incidentDetail(store, req.params.id));
  });

  app.get(`${BASE}/:id/timeline`, viewer, async (req: Request<{ id: string }>, res: Response) => {
    const q = timelineQuery(req);
    if ((await store.getIncident(req.params.id)) === null) throw incidentNotFound(req.params.id);
    const items = await store.timeline(req.params.id, { limit: q.limit, ...(q.afterId === undefined ? {} : { afterId: q.afterId }) });
    const last = items.at(-1);
    res.json({ items, nextAfterId: items.length === q.limit && last !== undefined ? last.id : null });
  });

  app.post(`${BASE}/:id/notes`, responder, body, async (req: Request<{ id: string }>, res: Response) => {
    const input = noteBody(req);
    res.status(201).json(await addNote(ops, req.params.id, input, actorOf(res)));
  });

  app.post(`${BASE}/:id/roles`, responder, body, async (req: Request<{ id: string }>, res: Response) => {
    const input = roleBody(req);
    res.status(201).json(await assignRole(ops, req.params.id, input, actorOf(res)));
  });

  app.post(`${BASE}/:id/action-items`, responder, body, async (req: Request<{ id: string }>, res: Response) => {
    const input = actionItemBody(req);
    res.status(201).json(await addActionItem(ops, req.params.id, input, actorOf(res)));
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
