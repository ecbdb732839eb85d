/**
 * Operational endpoints, unauthenticated so probes and Prometheus need no secret (they reveal
 * no incident data): `GET /healthz` (the process answers), `GET /readyz` (the store can write,
 * Store.ping, and the server is not shutting down), `GET /metrics` (Prometheus text format) and
 * `GET /api/v1/openapi.json` (the API description).
 */
import type { Express, Request, Response } from 'express';
import type { Logger } from '../../core/logger.ts';
import { toFirebreakError } from '../../errors.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import type { Store } from '../../store/types.ts';
import { httpError, sendError } from '../errors.ts';

export interface SystemRoutesDeps {
  store: Store;
  metrics: Metrics;
  logger: Logger;
  /** False once shutdown started: readiness fails so load balancers stop sending traffic. */
  accepting: () => boolean;
  openapi: () => Record<string, unknown>;
}

export function registerSystemRoutes(app: Express, deps: SystemRoutesDeps): void {
  app.get('/healthz', (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req: Request, res: Response) => {
    if (!deps.accepting()) {
      sendError(res, httpError(503, 'NOT_READY', 'shutting down'));
      return;
    }
    try {
      await deps.store.ping();
    } catch (err) {
      deps.metrics.storeError('ping');
      const cause = toFirebreakError(err);
      sendError(res, httpError(503, 'NOT_READY', `the store cannot write now (${cause.code}: ${cause.message})`));
      return;
    }
    res.json({ status: 'ready' });
  });

  app.get('/metrics', async (_req: Request, res: Response) => {
    const { contentType, body } = await deps.metrics.render();
    res.type(contentType).send(body);
  });

  const document = deps.openapi();
  app.get('/api/v1/openapi.json', (_req: Request, res: Response) => {
    res.json(document);
  });
}
