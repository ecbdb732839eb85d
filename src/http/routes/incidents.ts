/**
 * The incident API under `/api/v1/incidents`: viewers read, responders write (notes, roles,
 * action items, close). Every write appends a timeline entry, in the same store transaction,
 * with the operator token's name as the actor; the writes themselves live in
 * src/incidents/operations.ts, shared with the console.
 */
import type { Express, Request, Response } from 'express';
import type { Clock } from '../../core/clock.ts';
import type { IncidentStatus, Phase, RoleName } from '../../model/incident.ts';
import { closeIncident } from '../../incidents/lifecycle.ts';
import { addActionItem, addNote, assignRole } from '../../incidents/operations.ts';
import { incidentDetail, listIncidentSummaries, timelinePage } from '../../incidents/overview.ts';
import { buildPostmortem, renderPostmortemMarkdown } from '../../incidents/postmortem.ts';
import { toIso } from '../../incidents/normalize.ts';
import { isIssuedCursor } from '../../store/query.ts';
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
import { httpError } from '../errors.ts';
import { bodyValidator, queryValidator } from '../validation.ts';

export interface IncidentRoutesDeps {
  store: Store;
  clock: Clock;
  auth: Authenticator;
  /** Largest API request body, bytes. */
  bodyLimit: number;
}

const BASE = '/api/v1/incidents';

/** The cursor as given, when it is one this server issued; API_INVALID_QUERY otherwise. */
function issuedCursor(cursor: string): string {
  if (!isIssuedCursor(cursor)) throw httpError(400, 'API_INVALID_QUERY', 'invalid query: /cursor is not one this server issued; pass the nextCursor of the previous page', { path: '/cursor' });
  return cursor;
}

export function registerIncidentRoutes(app: Express, deps: IncidentRoutesDeps): void {
  const { store, clock, auth } = deps;
  const viewer = auth.operator('viewer');
  const responder = auth.operator('responder');
  const body = jsonBody({ limit: deps.bodyLimit, codePrefix: 'API' });
  const optionalBody = jsonBody({ limit: deps.bodyLimit, codePrefix: 'API', optional: true });

  const listQuery = queryValidator<{ status?: IncidentStatus[]; cluster?: string[]; severity?: string[]; since?: string; until?: string; limit: number; cursor?: string }>(LIST_INCIDENTS_QUERY);
  const timelineQuery = queryValidator<{ afterId?: number; limit: number }>(TIMELINE_QUERY);
  const postmortemQuery = queryValidator<{ format: 'markdown' | 'json' }>(POSTMORTEM_QUERY);
  const noteBody = bodyValidator<{ text: string; phase?: Phase }>(NOTE_BODY);
  const roleBody = bodyValidator<{ role: RoleName; person: string }>(ROLE_BODY);
  const actionItemBody = bodyValidator<{ title: string; owner?: string | null; dueDate?: string | null }>(ACTION_ITEM_BODY);
  const closeBody = bodyValidator<{ reason?: string }>(CLOSE_BODY);

  const ops = { store, clock };

  app.get(BASE, viewer, async (req: Request, res: Response) => {
    const q = listQuery(req);
    const page = await listIncidentSummaries(store, {
      limit: q.limit,
      ...(q.status === undefined || q.status.length === 0 ? {} : { status: q.status }),
      ...(q.cluster === undefined || q.cluster.length === 0 ? {} : { cluster: q.cluster }),
      ...(q.severity === undefined || q.severity.length === 0 ? {} : { severity: q.severity }),
      // Canonical times: a leap second is valid RFC 3339 (the schema) but not to Date.parse.
      ...(q.since === undefined ? {} : { since: toIso(q.since) }),
      ...(q.until === undefined ? {} : { until: toIso(q.until) }),
      ...(q.cursor === undefined ? {} : { cursor: issuedCursor(q.cursor) }),
    });
    res.json(page);
  });

  app.get(`${BASE}/:id`, viewer, async (req: Request<{ id: string }>, res: Response) => {
    res.json(await incidentDetail(store, req.params.id));
  });

  app.get(`${BASE}/:id/timeline`, viewer, async (req: Request<{ id: string }>, res: Response) => {
    const q = timelineQuery(req);
    res.json(await timelinePage(store, req.params.id, { limit: q.limit, ...(q.afterId === undefined ? {} : { afterId: q.afterId }) }));
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
    res.json(incident);
  });

  app.get(`${BASE}/:id/postmortem`, viewer, async (req: Request<{ id: string }>, res: Response) => {
    const q = postmortemQuery(req);
    const postmortem = await buildPostmortem(store, req.params.id, clock.now());
    if (q.format === 'json') {
      res.json(postmortem);
      return;
    }
    // The report quotes labels and notes: never let a browser guess it is HTML.
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.type('text/markdown; charset=utf-8').send(renderPostmortemMarkdown(postmortem));
  });
}
