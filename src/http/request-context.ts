/**
 * Per-request context (request id, child logger, authenticated principal, error code) kept on
 * `res.locals`, and the middleware that writes exactly one log line per request when its
 * response is finished (or the client went away).
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
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

/** The request id to use: the inbound `X-Request-Id` when short and plain, else a new UUID. */
export function chooseRequestId(inbound: string | undefined): string {
  return inbound !== undefined && REQUEST_ID_PATTERN.test(inbound) ? inbound : randomUUID();
}

/** What one request's log line says; `status` is null when no response was finished. */
export interface RequestOutcome {
  method: string | undefined;
  url: string | undefined;
  /** The path without the query, for the quiet and sampled paths. */
  path: string;
  status: number | null;
  started: bigint;
  /** Its `remoteAddress` is read only when the line is written. */
  socket: { readonly remoteAddress?: string | undefined };
}

/**
 * Writes the request's one log line (shared by express's middleware and the webhook's lean
 * path, src/http/webhook-lean.ts): warn when aborted, error for a 5xx, debug for quiet paths
 * and sampled paths past their share, else info. A line at a level the logger leaves out is
 * not built (the sampler still counts it).
 */
export function logRequest(logger: Logger, sampled: ReadonlyMap<string, LogSampler>, outcome: RequestOutcome, context: RequestContext): void {
  const { status } = outcome;
  const level =
    status === null
      ? 'warn'
      : status >= 500
        ? 'error'
        : status < 400 && QUIET_PATHS.has(outcome.path)
          ? 'debug'
          : status < 400 && sampled.get(outcome.path)?.take() === false
            ? 'debug'
            : 'info';
  if (!logger.isLevelEnabled(level)) return;
  const durationMs = Number(process.hrtime.bigint() - outcome.started) / 1e6;
  const line: Record<string, unknown> = {
    method: outcome.method,
    url: outcome.url,
    status,
    durationMs: Math.round(durationMs * 1000) / 1000,
    remoteAddress: outcome.socket.remoteAddress,
    ...context.fields,
  };
  if (context.principal !== undefined) line.actor = context.principal.name;
  if (context.errorCode !== undefined) line.code = context.errorCode;
  if (context.error !== undefined) line.err = context.error;
  context.logger[level](line, status === null ? 'request aborted by the client' : status >= 500 ? 'request failed' : 'request');
}

/**
 * Calls `fn` once, when the response is finished (with its status) or the connection closed
 * before that (null).
 */
export function whenDone(res: ServerResponse, fn: (status: number | null) => void): void {
  let called = false;
  const done = () => {
    if (called) return;
    called = true;
    fn(res.writableFinished ? res.statusCode : null);
  };
  res.on('finish', done);
  res.on('close', done);
}

/**
 * Assigns the request id (inbound `X-Request-Id` or a new UUID), echoes it, logs one line per
 * request. `sampled`: paths whose successful requests are logged at info only while they are
 * few (src/core/log-sampler.ts; the webhook in a burst), at debug beyond that.
 */
export function requestLogging(logger: Logger, sampled: ReadonlyMap<string, LogSampler> = new Map()): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const requestId = chooseRequestId(req.get(REQUEST_ID_HEADER));
    const started = process.hrtime.bigint();
    const context: RequestContext = { requestId, logger: logger.child({ reqId: requestId }), fields: {} };
    res.locals[KEY] = context;
    res.setHeader(REQUEST_ID_HEADER, requestId);

    whenDone(res, (status) =>
      logRequest(logger, sampled, { method: req.method, url: req.originalUrl, path: req.path, status, started, socket: req.socket }, context),
    );
    next();
  };
}
