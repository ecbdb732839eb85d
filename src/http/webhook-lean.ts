/**
 * The webhook's lean path: `POST /api/v1/alerts` answered by a plain `node:http` handler ahead
 * of express, for the requests Alertmanager sends (docs/http-api.md, "The webhook's lean path").
 * Under a burst, express's routing, its request and response objects and their middleware were
 * a large share of the CPU an acknowledgement took; this path does the same checks with the same
 * code and answers the same bytes without them.
 *
 * It takes a request only when every check express would make passes up front: the exact path
 * (no query, no trailing slash), `Content-Type: application/json` (a UTF-8 charset parameter at
 * most), no `Content-Encoding` or `Transfer-Encoding`, a `Content-Length` above 0 and within the
 * body limit, and webhook credentials. Anything else (a refusal, a compressed or chunked body,
 * an unusual but valid header) goes to express untouched, which answers it as before. What can
 * only fail after the body is read (JSON, the payload's schema, the store) is answered here,
 * through the same functions express's route uses (`acceptBody`, `errorBody`), so the status,
 * headers and body are the same. The request log line (`logRequest`, with the same sampler) and
 * the `firebreak_webhook_request_duration_seconds` observation are those of express's route.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LogSampler } from '../core/log-sampler.ts';
import type { Logger } from '../core/logger.ts';
import { toFirebreakError } from '../errors.ts';
import { acceptBody, acknowledgement, type AcceptDeps } from '../ingest/accept.ts';
import type { Authenticator } from './auth.ts';
import { errorBody } from './errors.ts';
import { chooseRequestId, logRequest, REQUEST_ID_HEADER, whenDone, type Principal, type RequestContext } from './request-context.ts';

export interface LeanWebhookDeps extends AcceptDeps {
  auth: Authenticator;
  /** Largest accepted body, bytes (as the express route's). */
  bodyLimit: number;
  /** The request-log sampler express's `requestLogging` uses for this path (shared). */
  sampled: ReadonlyMap<string, LogSampler>;
  logger: Logger;
  path: string;
}

/** A handler that answers a request itself (true) or leaves it untouched for the next (false). */
export type LeanHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

const JSON_UTF8 = 'application/json; charset=utf-8';
/** `application/json`, alone or with a UTF-8 charset (quoted or not), in any letter case. */
const PLAIN_JSON = /^application\/json(?:\s*;\s*charset=(?:utf-?8|"utf-?8"))?$/i;

export function leanWebhook(deps: LeanWebhookDeps): LeanHandler {
  const { auth, bodyLimit, logger, sampled, path } = deps;

  /** The caller, when express would let this request through to the route's handler; else null. */
  function plain(req: IncomingMessage): Principal | null {
    if (req.method !== 'POST' || req.url !== path) return null;
    const headers = req.headers;
    const type = headers['content-type'];
    if (type === undefined || !(type === 'application/json' || PLAIN_JSON.test(type))) return null;
    if (headers['content-encoding'] !== undefined || headers['transfer-encoding'] !== undefined) return null;
    const length = Number(headers['content-length']);
    if (!(length > 0 && length <= bodyLimit)) return null;
    try {
      const principal = auth.identify(headers.authorization);
      return principal.kind === 'operator' ? null : principal;
    } catch {
      // A refusal is answered by express, with its challenge header and body.
      return null;
    }
  }

  return (req, res) => {
    const principal = plain(req);
    if (principal === null) return false;
    const started = process.hrtime.bigint();
    const requestId = chooseRequestId(req.headers['x-request-id'] as string | undefined);
    let child: Logger | null = null;
    // Built only when something logs: most requests of a burst log nothing at info.
    const requestLogger = (): Logger => (child ??= logger.child({ reqId: requestId }));
    const context: RequestContext = {
      requestId,
      get logger() {
        return requestLogger();
      },
      principal,
      fields: {},
    };
    let bodyRead = false;
    whenDone(res, (status) => {
      // A client gone before its whole body arrived: express's body reader reports it so.
      if (status === null && !bodyRead) context.errorCode = 'WEBHOOK_INVALID_BODY';
      if (status !== null) deps.metrics.webhookRequest(context.errorCode ?? 'ok', Number(process.hrtime.bigint() - started) / 1e9);
      logRequest(logger, sampled, { method: req.method, url: req.url, path, status, started, socket: req.socket }, context);
    });

    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
    });
    req.on('end', () => {
      bodyRead = true;
      const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received);
      // The chunks are in `raw` now: not kept (a second copy of a large body) until the answer.
      chunks.length = 0;
      acceptBody(deps, raw, requestLogger).then(
        (accepted) => {
          context.fields.notificationId = accepted.id;
          send(res, requestId, 200, JSON.stringify(acknowledgement(accepted)));
        },
        (err: unknown) => {
          const error = toFirebreakError(err);
          const body = errorBody(error);
          context.errorCode = body.code;
          if (body.statusCode >= 500) context.error = error;
          send(res, requestId, body.statusCode, JSON.stringify(body));
        },
      );
    });
    return true;
  };
}

/** Writes the JSON answer with the headers express's route sends, in its order. */
function send(res: ServerResponse, requestId: string, status: number, json: string): void {
  if (res.destroyed) return;
  res.writeHead(status, [REQUEST_ID_HEADER, requestId, 'Content-Type', JSON_UTF8, 'Content-Length', String(Buffer.byteLength(json))]);
  res.end(json);
}
