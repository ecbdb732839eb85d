/**
 * What responders follow from the terminal and chat, besides the incident API:
 * - `GET /api/v1/approvals` (viewer): every step waiting for an approval, across incidents,
 *   expiring first, with its incident and who is expected to decide;
 * - `POST /api/v1/incidents/:id/status-updates` (responder): a status update for stakeholders
 *   (`status.update` on the timeline; the notifier sends it to subscribed targets);
 * - `GET /api/v1/incidents/:id/events` (viewer): the incident's timeline as server-sent events,
 *   after `afterId` (or `Last-Event-ID`), then live.
 */
import type { Express, Request, Response } from 'express';
import type { Clock } from '../../core/clock.ts';
import { postStatusUpdate } from '../../incidents/operations.ts';
import { requireIncident, waitingApprovals } from '../../incidents/overview.ts';
import type { LiveFeed } from '../../record/live-feed.ts';
import type { Store } from '../../store/types.ts';
import { EVENTS_QUERY, STATUS_UPDATE_BODY } from '../api-schemas.ts';
import { actorOf, type Authenticator } from '../auth.ts';
import { jsonBody } from '../body.ts';
import { lastEventId, streamTimeline } from '../event-stream.ts';
import { bodyValidator, queryValidator } from '../validation.ts';

export interface ResponderRoutesDeps {
  store: Store;
  clock: Clock;
  auth: Authenticator;
  feed: LiveFeed;
  bodyLimit: number;
}

export function registerResponderRoutes(app: Express, deps: ResponderRoutesDeps): void {
  const { store, auth } = deps;
  const statusBody = bodyValidator<{ known: string; doing: string; nextUpdateAt?: string | null }>(STATUS_UPDATE_BODY);
  const eventsQuery = queryValidator<{ afterId?: number }>(EVENTS_QUERY);

  app.get('/api/v1/approvals', auth.operator('viewer'), async (_req: Request, res: Response) => {
    res.json({ items: await waitingApprovals(store) });
  });

  app.post(
    '/api/v1/incidents/:id/status-updates',
    auth.operator('responder'),
    jsonBody({ limit: deps.bodyLimit, codePrefix: 'API' }),
    async (req: Request<{ id: string }>, res: Response) => {
      const input = statusBody(req);
      const entry = await postStatusUpdate(deps, req.params.id, { known: input.known, doing: input.doing, nextUpdateAt: input.nextUpdateAt ?? null }, actorOf(res));
      res.status(201).json(entry);
    },
  );

  app.get('/api/v1/incidents/:id/events', auth.operator('viewer'), async (req: Request<{ id: string }>, res: Response) => {
    const q = eventsQuery(req);
    await requireIncident(store, req.params.id);
    await streamTimeline(req, res, { store, feed: deps.feed, incidentId: req.params.id, afterId: lastEventId(req) ?? q.afterId ?? 0 });
  });
}
