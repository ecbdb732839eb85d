/**
 * `http.request`: one HTTP request to a host on the configured allow-list (`http.allowHosts`),
 * with an expected status. For the systems around Kafka that have an HTTP API a runbook may
 * need (scaling a consumer deployment, pausing a connector, a status page).
 *
 * Mutating: a request can change anything on the other side, and firebreak cannot tell a
 * harmless GET from a state-changing POST by looking, so dry-run mode plans requests and does not
 * send them. Never reverted (firebreak cannot know the inverse request); write the undo as a
 * `recovery` step with `on: resolved`.
 *
 * The allow-list is checked in plan and execute; redirects are never followed (a redirect could
 * leave the list), and proxy settings from the environment are ignored.
 */
import { DURATION_PATTERN, parseDuration } from '../../core/duration.ts';
import type { Action, IntegrationSettings, Plan } from '../types.ts';
import { assertHostAllowed, parseHttpUrl } from './allow-list.ts';
import { describeTarget, exchange, serverReason, type HttpMethod } from './client.ts';
import { httpRequestError } from '../integration-errors.ts';

export interface HttpRequestParams {
  url: string;
  method: HttpMethod;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  /** Accepted statuses; default: any 2xx. */
  expectStatus?: number | number[];
  /** Upper bound for this request; default and maximum: `http.timeoutMs`. */
  timeout?: string;
}

export interface HttpRequestOutput {
  method: HttpMethod;
  /** Scheme, host and path (the query string is left out: it may hold secrets). */
  target: string;
  status: number;
  contentType: string | null;
  /** The answer parsed as JSON, else its text; at most 64 KiB of it. */
  body: unknown;
  truncated: boolean;
}

/** Headers a runbook may not set: the transport's own, and Host (the allow-list checks the URL's host). */
const RESERVED_HEADERS = ['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade', 'te', 'trailer', 'keep-alive', 'proxy-authorization'];
const MAX_BODY_CHARS = 64 * 1024;

export function httpSettings(integrations: IntegrationSettings | undefined): { allowHosts: readonly string[]; timeoutMs: number } {
  const settings = integrations?.http;
  if (settings === undefined || settings.allowHosts.length === 0) {
    throw httpRequestError('HTTP_NOT_CONFIGURED', 'http.request needs http.allowHosts in the config file (or FIREBREAK_HTTP_ALLOW_HOSTS): no host is allowed');
  }
  return settings;
}

/** Checks the URL against the allow-list and returns it parsed (pure given the settings). */
export function allowedUrl(integrations: IntegrationSettings | undefined, text: string): URL {
  const url = parseHttpUrl(text);
  assertHostAllowed(url, httpSettings(integrations).allowHosts);
  return url;
}

/** The headers to send, names lower-cased; `HTTP_HEADER_NOT_ALLOWED` (400) for a reserved one. */
export function requestHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const lower = name.toLowerCase();
    if (RESERVED_HEADERS.includes(lower)) {
      throw httpRequestError('HTTP_HEADER_NOT_ALLOWED', `header ${name} is set by the transport and cannot be given`, { details: { header: name } });
    }
    out[lower] = value;
  }
  return out;
}

export function statusAccepted(status: number, expect: number | number[] | undefined): boolean {
  if (expect === undefined) return status >= 200 && status <= 299;
  return (Array.isArray(expect) ? expect : [expect]).includes(status);
}

const HEADER_NAME = '^[A-Za-z0-9!#$%&\'*+.^_`|~-]{1,100}$';

export const httpRequest: Action<HttpRequestParams, HttpRequestOutput> = {
  name: 'http.request',
  description: 'Send one HTTP request to an allow-listed host (http.allowHosts) and check the status. Mutating, never reverted.',
  mutating: true,
  defaultRevert: 'never',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['url'],
    properties: {
      url: { type: 'string', pattern: '^https?://', maxLength: 4_096 },
      method: { type: 'string', enum: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'], default: 'GET' },
      headers: {
        type: 'object',
        maxProperties: 32,
        propertyNames: { pattern: HEADER_NAME },
        additionalProperties: { type: 'string', maxLength: 8_192 },
      },
      body: { type: ['string', 'object', 'array', 'number', 'boolean', 'null'] },
      expectStatus: {
        anyOf: [
          { type: 'integer', minimum: 100, maximum: 599 },
          { type: 'array', minItems: 1, maxItems: 20, items: { type: 'integer', minimum: 100, maximum: 599 } },
        ],
      },
      timeout: { type: 'string', pattern: DURATION_PATTERN },
    },
  },

  async plan(ctx, params): Promise<Plan> {
    const url = allowedUrl(ctx.integrations, params.url);
    requestHeaders(params.headers);
    const target = describeTarget(url.href);
    return {
      summary: `${params.method} ${target}`,
      changes: [{ resource: `http:${url.host}`, key: `${params.method} ${url.pathname}`, from: null, to: params.body ?? null }],
      touches: { topics: [], clients: [] },
    };
  },

  async execute(ctx, params) {
    const url = allowedUrl(ctx.integrations, params.url);
    const settings = httpSettings(ctx.integrations);
    const asked = params.timeout === undefined ? null : parseDuration(params.timeout);
    const timeoutMs = asked === null || asked <= 0 ? settings.timeoutMs : Math.min(asked, settings.timeoutMs);
    const headers = requestHeaders(params.headers);
    const answer = await exchange('HTTP', {
      method: params.method,
      url: url.href,
      headers,
      ...(params.body === undefined ? {} : { body: params.body }),
      timeoutMs,
      maxResponseBytes: 1024 * 1024,
      ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
    });
    const target = describeTarget(url.href);
    const text = answer.text;
    const output: HttpRequestOutput = {
      method: params.method,
      target,
      status: answer.status,
      contentType: answer.headers['content-type'] ?? null,
      body: answer.json !== undefined && text.length <= MAX_BODY_CHARS ? answer.json : text.slice(0, MAX_BODY_CHARS),
      truncated: text.length > MAX_BODY_CHARS,
    };
    if (!statusAccepted(answer.status, params.expectStatus)) {
      const expected = params.expectStatus === undefined ? '2xx' : [params.expectStatus].flat().join(' or ');
      throw httpRequestError('HTTP_UNEXPECTED_STATUS', `${params.method} ${target}: HTTP ${answer.status}, expected ${expected}: ${serverReason(answer)}`, {
        // A server error or throttling may pass; any other status will not change by asking again.
        retriable: answer.status >= 500 || answer.status === 429,
        details: { target, status: answer.status, expected, body: typeof output.body === 'string' ? output.body.slice(0, 2_000) : output.body },
      });
    }
    ctx.logger.info({ method: params.method, target, status: answer.status }, 'http request sent');
    return { output, changes: [{ resource: `http:${url.host}`, key: `${params.method} ${url.pathname}`, from: null, to: answer.status }] };
  },
};
