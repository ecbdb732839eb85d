/**
 * `POST /api/v1/alerts`, the Alertmanager webhook. Order of checks: credentials, media type,
 * size and JSON, payload schema; then the durable append, then the 200. Bad input is a 4xx
 * (Alertmanager does not retry it, and retrying could not help); only a store failure is a 5xx,
 * so Alertmanager retries exactly what can succeed later.
 */
import type { Express, NextFunction, Request, Response } from 'express';
import { acceptBody, acceptNotification, acknowledgement, type AcceptDeps } from '../../ingest/accept.ts';
import type { Authenticator } from '../auth.ts';
import { jsonBytes } from '../body.ts';
import { requestContext } from '../request-context.ts';

export const WEBHOOK_PATH = '/api/v1/alerts';

export interface WebhookRouteDeps extends AcceptDeps {
  auth: Authenticator;
  /** Largest accepted body, bytes. */
  bodyLimit: number;
}

export function registerWebhookRoute(app: Express, deps: WebhookRouteDeps): void {
  // Times every webhook request, rejected ones included, labelled by outcome code.
  const timed = (_req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      deps.metrics.webhookRequest(requestContext(res).errorCode ?? 'ok', seconds);
    });
    next();
  };

  app.post(
    WEBHOOK_PATH,
    timed,
    deps.auth.webhook(),
    jsonBytes({ limit: deps.bodyLimit, codePrefix: 'WEBHOOK' }),
    async (req: Request, res: Response) => {
      const context = requestContext(res);
      // No body at all leaves nothing to parse: the schema then says what is missing.
      const accepted = Buffer.isBuffer(req.body) ? await acceptBody(deps, req.body, context.logger) : await acceptNotification(deps, undefined, context.logger);
      // Links this request (reqId) to the processing log lines, which carry notificationId.
      context.fields.notificationId = accepted.id;
      res.status(200).json(acknowledgement(accepted));
    },
  );
}
