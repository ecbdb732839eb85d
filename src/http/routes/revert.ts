/**
 * `POST /api/v1/incidents/:id/revert` (responder): reverts by hand every change of the incident
 * still in place (or only those of `step`), newest first, and answers what happened to each.
 * Idempotent: a second call reverts nothing and says so (`message`, and each result
 * `already-reverted`). A conflict (a value changed behind firebreak's back) is left alone and
 * reported, with status 200: the request was carried out.
 *
 * `POST /api/v1/incidents/:id/hold/hand-back|clear` (responder, a reason required): lifts the loop
 * breaker's hold (src/engine/hold.ts): hand the held changes back to automation, or clear the
 * hold and revert them now. 409 ENGINE_NOT_HELD when nothing is held.
 */
import type { Express, Request, Response } from 'express';
import type { Engine } from '../../engine/engine.ts';
import { actorOf, type Authenticator } from '../auth.ts';
import { jsonBody } from '../body.ts';
import { HOLD_BODY, REVERT_BODY } from '../engine-schemas.ts';
import { bodyValidator } from '../validation.ts';
import { requireEngine } from './engine-access.ts';

export interface RevertRoutesDeps {
  engine: Engine | null;
  auth: Authenticator;
  bodyLimit: number;
}

export function registerRevertRoutes(app: Express, deps: RevertRoutesDeps): void {
  const body = jsonBody({ limit: deps.bodyLimit, codePrefix: 'API', optional: true });
  const revertBody = bodyValidator<{ step?: string }>(REVERT_BODY);
  app.post('/api/v1/incidents/:id/revert', deps.auth.operator('responder'), body, async (req: Request<{ id: string }>, res: Response) => {
    const input = revertBody(req);
    const report = await requireEngine(deps.engine).revert(req.params.id, { actor: actorOf(res), ...(input.step === undefined ? {} : { stepId: input.step }) });
    res.json(report);
  });
  const holdBody = bodyValidator<{ reason: string }>(HOLD_BODY);
  for (const how of ['hand-back', 'clear'] as const) {
    app.post(`/api/v1/incidents/:id/hold/${how}`, deps.auth.operator('responder'), body, async (req: Request<{ id: string }>, res: Response) => {
      const input = holdBody(req);
      res.json(await requireEngine(deps.engine).liftHold(req.params.id, { how, actor: actorOf(res), reason: input.reason.trim() }));
    });
  }
}
