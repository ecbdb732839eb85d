/**
 * The automation switch: `GET /api/v1/automation` (viewer: mode, paused, by whom, since) and
 * `POST /api/v1/automation/pause|resume` (responder: whoever handles an incident can pull the
 * brake, and release it). The flag lives in the store, so every replica obeys it at its next step.
 * `POST /api/v1/automation/mode` (admin): the mode (dry-run or enforce), shared the same way.
 */
import type { Express, Request, Response } from 'express';
import type { Engine } from '../../engine/engine.ts';
import { actorOf, type Authenticator } from '../auth.ts';
import { jsonBody } from '../body.ts';
import { MODE_BODY, REASON_BODY } from '../engine-schemas.ts';
import type { Mode } from '../../model/engine.ts';
import { bodyValidator } from '../validation.ts';
import { requireEngine } from './engine-access.ts';

export interface AutomationRoutesDeps {
  engine: Engine | null;
  auth: Authenticator;
  bodyLimit: number;
}

export function registerAutomationRoutes(app: Express, deps: AutomationRoutesDeps): void {
  const body = jsonBody({ limit: deps.bodyLimit, codePrefix: 'API', optional: true });
  const reasonBody = bodyValidator<{ reason?: string }>(REASON_BODY);

  app.get('/api/v1/automation', deps.auth.operator('viewer'), async (_req: Request, res: Response) => {
    res.json(await requireEngine(deps.engine).automation());
  });

  for (const [path, paused] of [['pause', true], ['resume', false]] as const) {
    app.post(`/api/v1/automation/${path}`, deps.auth.operator('responder'), body, async (req: Request, res: Response) => {
      const input = reasonBody(req);
      res.json(await requireEngine(deps.engine).setPaused(paused, actorOf(res), input.reason ?? null));
    });
  }

  // The mode decides whether firebreak changes clusters at all: an admin's call.
  const modeBody = bodyValidator<{ mode: Mode; reason?: string }>(MODE_BODY);
  app.post('/api/v1/automation/mode', deps.auth.operator('admin'), body, async (req: Request, res: Response) => {
    const input = modeBody(req);
    res.json(await requireEngine(deps.engine).setMode(input.mode, actorOf(res), input.reason ?? null));
  });
}
