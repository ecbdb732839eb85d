/**
 * The HTTP server firebreak listens with, around the express app: explicit timeouts and a
 * connection limit instead of Node's defaults (a request may take 5 minutes to arrive, any number
 * of connections may be open), and firebreak's error body for requests Node's HTTP parser refuses
 * before express sees them (a body shorter than its Content-Length, Content-Length together with
 * Transfer-Encoding, headers too large, a request too slow to arrive), where Node would answer a
 * bare status line.
 */
import { createServer, STATUS_CODES, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorBody, httpError } from './errors.ts';

export interface HttpServerLimits {
  /** Time to receive a request's headers, ms. */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included, ms (a 16 MiB webhook body fits easily). */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept, ms. */
  keepAliveTimeoutMs: number;
  /** Connections open at once; more are closed as they arrive. */
  maxConnections: number;
  /** How often the two request timeouts are checked, ms. */
  timeoutCheckMs: number;
}

export const HTTP_SERVER_LIMITS: HttpServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_024,
  timeoutCheckMs: 1_000,
};

/** Creates the server (not listening) with `limits` applied. */
export function createHttpServer(handler: RequestListener, limits: Partial<HttpServerLimits> = {}): Server {
  const l = { ...HTTP_SERVER_LIMITS, ...limits };
  const server = createServer(
    { headersTimeout: l.headersTimeoutMs, requestTimeout: l.requestTimeoutMs, keepAliveTimeout: l.keepAliveTimeoutMs, connectionsCheckingInterval: l.timeoutCheckMs },
    handler,
  );
  server.maxConnections = l.maxConnections;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket));
  return server;
}

/** What a request the parser refused gets: the standard error body, then the connection closes. */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // A client that went away, or a response already under way: nothing sensible can be written.
  const responding = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (err.code === 'ECONNRESET' || !socket.writable || responding) {
    socket.destroy();
    return;
  }
  const error =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? httpError(431, 'HTTP_HEADERS_TOO_LARGE', 'the request headers are too large')
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? httpError(408, 'HTTP_REQUEST_TIMEOUT', 'the request did not arrive in time')
        : httpError(400, 'HTTP_INVALID_REQUEST', `the request is not valid HTTP/1.1: ${describeParseError(err)}`);
  const body = JSON.stringify(errorBody(error));
  socket.end(
    `HTTP/1.1 ${error.statusCode} ${STATUS_CODES[error.statusCode] ?? 'Bad Request'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'X-Content-Type-Options: nosniff\r\n' +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/** A short reason from Node's parser error, without the raw bytes it may quote. */
function describeParseError(err: NodeJS.ErrnoException): string {
  const reason = (err as { reason?: unknown }).reason;
  if (typeof reason === 'string' && reason !== '') return reason.slice(0, 200);
  return err.code ?? 'malformed request';
}
