/**
 * `POST /api/v1/incidents/:id/steps/:step/approve` and `.../reject` (responder): decides the
 * pending approval of a step; who and when go on the timeline. Answers the decided approval;
 * ENGINE_APPROVAL_NOT_FOUND (404) when none was requested, ENGINE_APPROVAL_NOT_PENDING (409)
 * when it is already decided, ENGINE_APPROVAL_EXPIRED (409) when its time is up.
 */
import type { Express, Request, Response } from 'express';
import type { Engine } from '../../engine/engine.ts';
import { actorOf, type Authenticator } from '../auth.ts';
import { jsonBody } from '../body.ts';
import { REASON_BODY } from '../engine-schemas.ts';
import { bodyValidator } from '../validation.ts';
import { requireEngine } from './engine-access.ts';

export interface ApprovalRoutesDeps {
  engine: Engine | null;
  auth: Authenticator;
  bodyLimit: number;
}

export function registerApprovalRoutes(app: Express, deps: ApprovalRoutesDeps): void {
  const body = jsonBody({ limit: deps.bodyLimit, codePrefix: 'API', optional: true });
  const reasonBody = bodyValidator<{ reason?: string }>(REASON_BODY);
  for (const [path, verdict] of [['approve', 'granted'], ['reject', 'rejected']] as const) {
    app.post(
      `/api/v1/incidents/:id/steps/:step/${path}`,
      deps.auth.operator('responder'),
      body,
      async (req: Request<{ id: string; step: string }>, res: Response) => {
        const input = reasonBody(req);
        const approval = await requireEngine(deps.engine).decide(req.params.id, req.params.step, verdict, actorOf(res), input.reason ?? null);
        res.json(approval);
      },
    );
  }
}
