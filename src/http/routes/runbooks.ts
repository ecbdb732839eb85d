/**
 * `GET /api/v1/runbooks` (viewer): the runbooks in force. `POST /api/v1/runbooks/reload` (admin):
 * loads the runbook files again, as SIGHUP does. A load with any problem changes nothing (the
 * last good set stays in force) and is answered RUNBOOK_INVALID (422) with every problem in
 * `details.diagnostics`.
 */
import type { Express, Request, Response } from 'express';
import type { Engine } from '../../engine/engine.ts';
import { formatDiagnostic, runbookError } from '../../runbooks/diagnostics.ts';
import type { Runbook } from '../../runbooks/types.ts';
import type { Logger } from '../../core/logger.ts';
import type { Authenticator } from '../auth.ts';
import { requireEngine } from './engine-access.ts';

export interface RunbookRoutesDeps {
  engine: Engine | null;
  auth: Authenticator;
  logger: Logger;
}

/** What the API shows of a runbook. */
export function describeRunbook(runbook: Runbook): Record<string, unknown> {
  return {
    name: runbook.name,
    description: runbook.description,
    file: runbook.origin.file,
    line: runbook.origin.line,
    match: runbook.matchSource,
    groupBy: runbook.groupBy,
    priority: runbook.priority,
    policy: runbook.policy,
    steps: runbook.steps.map((s) => ({
      id: s.id,
      phase: s.phase,
      on: s.on,
      action: s.action,
      mutating: s.mutating,
      approval: s.approval,
      revert: s.revert,
      ...(s.description === null ? {} : { description: s.description }),
    })),
    followUps: runbook.followUps,
  };
}

export function registerRunbookRoutes(app: Express, deps: RunbookRoutesDeps): void {
  app.get('/api/v1/runbooks', deps.auth.operator('viewer'), (_req: Request, res: Response) => {
    const set = requireEngine(deps.engine).runbooks;
    res.json({ version: set.version, runbooks: set.runbooks.map(describeRunbook) });
  });

  app.post('/api/v1/runbooks/reload', deps.auth.operator('admin'), async (_req: Request, res: Response) => {
    const outcome = await requireEngine(deps.engine).reload();
    if (!outcome.ok) {
      deps.logger.error({ problems: outcome.diagnostics.length }, 'runbook reload refused; the last good set stays in force');
      const first = outcome.diagnostics.slice(0, 3).map(formatDiagnostic).join('; ');
      // 422, not the load's 400: the request was fine, the files on disk are not.
      throw runbookError('RUNBOOK_INVALID', `reload refused, the last good set (${outcome.runbooks} runbooks) stays in force: ${first}`, {
        statusCode: 422,
        details: { diagnostics: outcome.diagnostics, runbooks: outcome.runbooks, version: outcome.version },
      });
    }
    deps.logger.info({ runbooks: outcome.runbooks, version: outcome.version }, 'runbooks reloaded');
    res.json(outcome);
  });
}
