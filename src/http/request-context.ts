/**
 * Per-request context (request id, child logger, authenticated principal, error code) kept on
 * `res.locals`, and the middleware that writes exactly one log line per request when its
 * response is finished (or the client went away).
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../core/logger.ts';
import type { LogSampler } from '../core/log-sampler.ts';
import type { FirebreakError } from '../errors.ts';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** Probes and scrapes that answer fine are logged at debug: one info line per scrape is noise. */
const QUIET_PATHS = new Set(['/metrics', '/healthz', '/readyz']);

/** Inbound ids are honoured only when they are short and plain, so they are safe to log. */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Who made the request, once authenticated. */
export type Principal =
  | { kind: 'webhook'; name: string }
  | { kind: 'operator'; name: string; role: 'viewer' | 'responder' | 'admin' }
  /** Authentication is disabled: every request acts as this principal with every right. */
  | { kind: 'anonymous'; name: string };

export interface RequestContext {
  requestId: string;
  logger: Logger;
  principal?: Principal;
  /** Code of the error answered, for the log line and metrics. */
  errorCode?: string;
  /** A 5xx cause, logged with the request line. */
  error?: FirebreakError;
  /** Extra fields for the request's log line (e.g. the stored notification's id). */
  fields: Record<string, unknown>;
}

const KEY = 'firebreak';

/** The context of this request; set up by {@link requestLogging}, which runs first. */
export function requestContext(res: Response): RequestContext {
  const context = res.locals[KEY] as RequestContext | undefined;
  if (context === undefined) throw new Error('requestLogging middleware is not installed');
  return context;
}

/**
 * Assigns the request id (inbound `X-Request-Id` or a new UUID), echoes it, logs one line per
 * request. `sampled`: paths whose successful requests are logged at info only while they are
 * few (src/core/log-sampler.ts; the webhook in a burst), at debug beyond that.
 */
export function requestLogging(logger: Logger, sampled: ReadonlyMap<string, LogSampler> = new Map()): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const inbound = req.get(REQUEST_ID_HEADER);
    const requestId = inbound !== undefined && REQUEST_ID_PATTERN.test(inbound) ? inbound : randomUUID();
    const started = process.hrtime.bigint();
    const context: RequestContext = { requestId, logger: logger.child({ reqId: requestId }), fields: {} };
    res.locals[KEY] = context;
    res.setHeader(REQUEST_ID_HEADER, requestId);

    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const line: Record<string, unknown> = {
        method: req.method,
        url: req.originalUrl,
        status: res.writableFinished ? res.statusCode : null,
        durationMs: Math.round(durationMs * 1000) / 1000,
        remoteAddress: req.socket.remoteAddress,
        ...context.fields,
      };
      if (context.principal !== undefined) line.actor = context.principal.name;
      if (context.errorCode !== undefined) line.code = context.errorCode;
      if (context.error !== undefined) line.err = context.error;
      if (!res.writableFinished) context.logger.warn(line, 'request aborted by the client');
      else if (res.statusCode >= 500) context.logger.error(line, 'request failed');
      else if (res.statusCode < 400 && QUIET_PATHS.has(req.path)) context.logger.debug(line, 'request');
      else if (res.statusCode < 400 && sampled.get(req.path)?.take() === false) context.logger.debug(line, 'request');
      else context.logger.info(line, 'request');
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  };
}
