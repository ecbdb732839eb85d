/**
 * One bounded HTTP exchange, shared by the HTTP integrations (Prometheus, Grafana, notify,
 * `http.request`), over axios. Every exchange:
 *
 * - is bounded in total time (`timeoutMs`, connection included; axios's own `timeout` only
 *   bounds socket inactivity, so a server that trickles bytes would otherwise hold a step);
 * - is aborted with the step (`signal`);
 * - follows no redirect (a redirect could lead an allow-listed request to any host) and ignores
 *   proxy environment variables (traffic goes where the configuration says, nowhere else);
 * - reads at most `maxResponseBytes` of the answer.
 *
 * Transport failures become FirebreakErrors with the caller's code prefix (`PROMETHEUS`,
 * `GRAFANA`, `NOTIFY`, `HTTP`, `ALERTMANAGER`; src/actions/integration-errors.ts); an HTTP status is never an error here: {@link statusError}
 * turns one into the integration's error when the caller decides it is one.
 */
import type { AxiosStatic, Method } from 'axios';
import type { FirebreakError } from '../../errors.ts';
import { transportError, type IntegrationPrefix } from '../integration-errors.ts';

/** axios, loaded on the first exchange: commands that only check runbooks never load it. */
let client: Promise<AxiosStatic> | null = null;
const loadAxios = (): Promise<AxiosStatic> => (client ??= import('axios').then((m) => m.default));

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpExchange {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON (with `content-type: application/json`). */
  body?: unknown;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Largest answer read, bytes (default 1 MiB). */
  maxResponseBytes?: number;
  /**
   * How messages and details name the target. Default: scheme, host and path. Give a name when
   * the path itself is a secret (incoming-webhook URLs are).
   */
  display?: string;
}

export interface HttpAnswer {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** The body as text. */
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * Sends one request and resolves with whatever status came back.
 * @throws FirebreakError `<prefix>_TIMEOUT` (504, retriable), `<prefix>_UNREACHABLE` (503,
 *   retriable: refused, reset, DNS), `<prefix>_ABORTED` (503, not retriable: the step was
 *   cancelled), `<prefix>_RESPONSE_TOO_LARGE` (502), `<prefix>_REQUEST_FAILED` (502, anything else).
 */
export async function exchange(prefix: IntegrationPrefix, request: HttpExchange): Promise<HttpAnswer> {
  const deadline = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal === undefined ? deadline : AbortSignal.any([request.signal, deadline]);
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  let data: string | undefined;
  if (typeof request.body === 'string') data = request.body;
  else if (request.body !== undefined) {
    data = JSON.stringify(request.body);
    headers['content-type'] ??= 'application/json';
  }
  const limit = request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const axios = await loadAxios();
  try {
    const response = await axios.request<string>({
      method: request.method as Method,
      url: request.url,
      headers,
      ...(data === undefined ? {} : { data }),
      timeout: request.timeoutMs,
      signal,
      maxRedirects: 0,
      proxy: false,
      responseType: 'text',
      // Keep the raw text: the caller decides how to read it.
      transformResponse: [(body: unknown) => body],
      validateStatus: () => true,
      maxContentLength: limit,
      maxBodyLength: 10 * 1024 * 1024,
    });
    const text = typeof response.data === 'string' ? response.data : '';
    return { status: response.status, headers: plainHeaders(response.headers), text, json: parseJson(text) };
  } catch (err) {
    throw failedExchange(prefix, request, err, axios, deadline.aborted, request.signal?.aborted === true);
  }
}

function plainHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof headers !== 'object' || headers === null) return out;
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    if (value !== undefined && value !== null) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Where a request went, for messages and details: never the query string (it may hold secrets). */
export function describeTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function failedExchange(prefix: IntegrationPrefix, request: HttpExchange, err: unknown, axios: AxiosStatic, timedOut: boolean, cancelled: boolean): FirebreakError {
  const shown = request.display ?? describeTarget(request.url);
  const target = `${request.method} ${shown}`;
  const details = { method: request.method, target: shown };
  const code = err instanceof axios.AxiosError ? err.code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  // Never keep axios's error as the cause: it carries the request config (URL with any secret
  // path, Authorization header), and a logged cause would print it.
  const cause = new Error(code === undefined ? message : `${code}: ${message}`);
  if (cancelled && !timedOut) {
    return transportError(prefix, 'ABORTED', `${target}: cancelled`, { cause, details });
  }
  if (timedOut || code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
    return transportError(prefix, 'TIMEOUT', `${target}: no complete answer within ${request.timeoutMs} ms`, {
      cause,
      details: { ...details, timeoutMs: request.timeoutMs },
    });
  }
  if (code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test(message)) {
    return transportError(prefix, 'RESPONSE_TOO_LARGE', `${target}: answer larger than ${request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES} bytes`, {
      cause,
      details,
    });
  }
  const network = err instanceof axios.AxiosError && (code === 'ERR_NETWORK' || err.request !== undefined) && err.response === undefined;
  if (network || code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH') {
    return transportError(prefix, 'UNREACHABLE', `${target}: ${message}`, { cause, details: { ...details, cause: code ?? null } });
  }
  return transportError(prefix, 'REQUEST_FAILED', `${target}: ${message}`, { cause, details: { ...details, cause: code ?? null } });
}

/**
 * The error for an answer the caller does not accept, classified by status:
 * 401/403 `<prefix>_UNAUTHORIZED`, 429 `<prefix>_RATE_LIMITED` (retriable), 5xx
 * `<prefix>_SERVER_ERROR` (retriable), any other `<prefix>_REJECTED`. The message carries the
 * server's own explanation (its `message`/`error` field, or the start of the body).
 */
export function statusError(prefix: IntegrationPrefix, what: string, answer: HttpAnswer, details: Record<string, unknown> = {}): FirebreakError {
  const reason = serverReason(answer);
  const base = `${what}: HTTP ${answer.status}${reason === '' ? '' : `: ${reason}`}`;
  const all = { ...details, status: answer.status, reason };
  if (answer.status === 401 || answer.status === 403) {
    return transportError(prefix, 'UNAUTHORIZED', base, { details: all });
  }
  if (answer.status === 429) return transportError(prefix, 'RATE_LIMITED', base, { details: all });
  if (answer.status >= 500) return transportError(prefix, 'SERVER_ERROR', base, { details: all });
  return transportError(prefix, 'REJECTED', base, { details: all });
}

/** The server's explanation: `message` or `error` of a JSON body, else up to 200 characters of text. */
export function serverReason(answer: HttpAnswer): string {
  const json = answer.json;
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    const o = json as Record<string, unknown>;
    for (const key of ['error', 'message']) {
      const value = o[key];
      if (typeof value === 'string' && value !== '') return value.slice(0, 500);
    }
  }
  return answer.text.trim().slice(0, 200);
}
