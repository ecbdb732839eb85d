/**
 * The HTTP error boundary: every error response has the same body,
 * `{ statusCode, code, error, message }` (plus `details` when there is machine-readable context
 * such as the offending path), whatever failed. Codes are documented in docs/errors.md.
 */
import { STATUS_CODES } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { errorFactory, FirebreakError, toFirebreakError, type ErrorCatalogue } from '../errors.ts';
import { requestContext } from './request-context.ts';

/**
 * The HTTP boundary's codes: the webhook, authentication, the API's request checks and the
 * server itself. An unknown route or incident is the store's NOT_FOUND (404).
 */
export const HTTP_ERRORS = {
  WEBHOOK_INVALID_JSON: { status: 400 },
  WEBHOOK_UNSUPPORTED_VERSION: { status: 400 },
  WEBHOOK_INVALID_PAYLOAD: { status: 400 },
  WEBHOOK_PAYLOAD_TOO_DEEP: { status: 400 },
  WEBHOOK_INVALID_BODY: { status: 400 },
  WEBHOOK_PAYLOAD_TOO_LARGE: { status: 413 },
  WEBHOOK_UNSUPPORTED_MEDIA_TYPE: { status: 415 },
  WEBHOOK_NOT_STORED: { status: 503, retriable: true },
  AUTH_MISSING: { status: 401 },
  AUTH_INVALID: { status: 401 },
  AUTH_RATE_LIMITED: { status: 429 },
  AUTH_FORBIDDEN: { status: 403 },
  METHOD_NOT_ALLOWED: { status: 405 },
  HTTP_INVALID_REQUEST: { status: 400 },
  HTTP_HEADERS_TOO_LARGE: { status: 431 },
  HTTP_REQUEST_TIMEOUT: { status: 408 },
  API_INVALID_JSON: { status: 400 },
  API_INVALID_BODY: { status: 400 },
  API_INVALID_QUERY: { status: 400 },
  API_PAYLOAD_TOO_LARGE: { status: 413 },
  API_UNSUPPORTED_MEDIA_TYPE: { status: 415 },
  BAD_REQUEST: { status: 400 },
  NOT_READY: { status: 503, retriable: true },
} as const satisfies ErrorCatalogue;

export const boundaryError = errorFactory(HTTP_ERRORS);

export interface ErrorBody {
  statusCode: number;
  /** Stable UPPER_SNAKE code; clients match on it. */
  code: string;
  /** The HTTP reason phrase of `statusCode`. */
  error: string;
  message: string;
  details?: Record<string, unknown>;
}

/** Shorthand for an error that carries an HTTP status (4xx are never retriable). */
export function httpError(statusCode: number, code: string, message: string, details?: Record<string, unknown>): FirebreakError {
  return new FirebreakError(code, message, {
    statusCode,
    retriable: statusCode >= 500,
    ...(details === undefined ? {} : { details }),
  });
}

/** Builds the body for `err`; anything that is not a FirebreakError becomes a 500 INTERNAL. */
export function errorBody(err: FirebreakError): ErrorBody {
  const statusCode = err.statusCode >= 400 && err.statusCode <= 599 ? err.statusCode : 500;
  const body: ErrorBody = {
    statusCode,
    code: err.code,
    error: STATUS_CODES[statusCode] ?? 'Error',
    // Internal errors may carry driver text or paths; clients get a generic message.
    message: statusCode === 500 && err.code === 'INTERNAL' ? 'internal error' : err.message,
  };
  if (err.details !== undefined && statusCode < 500) body.details = err.details;
  return body;
}

/** Sends `err` as the standard error body and records its code for the request log line. */
export function sendError(res: Response, err: unknown): void {
  const error = toFirebreakError(err);
  const body = errorBody(error);
  requestContext(res).errorCode = body.code;
  if (body.statusCode >= 500) requestContext(res).error = error;
  if (res.headersSent) {
    res.end();
    return;
  }
  res.status(body.statusCode).json(body);
}

interface RouteLayer {
  route?: { methods: Record<string, boolean> };
  match(path: string): unknown;
}

/** The methods routed for `path` (HEAD goes with GET), sorted; empty when the path is unknown. */
export function routedMethods(req: Request): string[] {
  const stack = (req.app as unknown as { router: { stack: RouteLayer[] } }).router.stack;
  const methods = new Set<string>();
  for (const layer of stack) {
    if (layer.route === undefined || !layer.match(req.path)) continue;
    for (const [method, enabled] of Object.entries(layer.route.methods)) {
      if (!enabled || method === '_all') continue;
      methods.add(method.toUpperCase());
      if (method === 'get') methods.add('HEAD');
    }
  }
  return [...methods].sort();
}

/**
 * Catch-all for requests no route answered: 405 METHOD_NOT_ALLOWED with an `Allow` header when
 * the path exists for other methods, else 404 NOT_FOUND.
 */
export function notFoundHandler(req: Request, res: Response): void {
  const allowed = routedMethods(req);
  if (allowed.length > 0) {
    res.setHeader('Allow', allowed.join(', '));
    sendError(res, httpError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.path}; allowed: ${allowed.join(', ')}`, { allowed }));
    return;
  }
  sendError(res, httpError(404, 'NOT_FOUND', `no route ${req.method} ${req.path}`));
}

/**
 * Express error middleware (four parameters, as express requires). Translates errors raised by
 * express itself (body parser, malformed URLs) into the standard body.
 */
export function errorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  sendError(res, translateExpressError(err));
}

function translateExpressError(err: unknown): unknown {
  if (err instanceof FirebreakError) return err;
  const status = (err as { status?: unknown; statusCode?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return httpError(status, status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', (err as Error).message ?? 'bad request');
  }
  return err;
}
