/**
 * Prometheus's HTTP API, the one call firebreak needs: an instant query
 * (`POST /api/v1/query`, form-encoded so long queries fit). Prometheus answers
 * `{status, data: {resultType, result}, warnings?}` on success and
 * `{status: "error", errorType, error}` with 400 (bad query), 422 (execution failed) or 503
 * (timeout, overload) otherwise.
 */
import { FirebreakError } from '../../errors.ts';
import type { IntegrationSettings } from '../types.ts';
import { describeTarget, exchange, serverReason, statusError, type HttpAnswer } from '../http/client.ts';
import { parseSampleValue, type SampleValue } from './expectation.ts';
import { prometheusError } from '../integration-errors.ts';

export interface PrometheusTarget {
  /** Base URL, possibly with a path prefix (`http://prometheus:9090`, `https://host/prometheus`). */
  url: string;
  timeoutMs: number;
}

export interface Series {
  labels: Record<string, string>;
  value: SampleValue;
}

export interface InstantResult {
  resultType: 'vector' | 'scalar';
  series: Series[];
  /** Evaluation time Prometheus reports, ISO-8601. */
  evaluatedAt: string | null;
  warnings: string[];
}

/** Largest query answer read (a vector of many series can be large). */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** The configured Prometheus, or `PROMETHEUS_NOT_CONFIGURED` (503). */
export function prometheusTarget(integrations: IntegrationSettings | undefined): PrometheusTarget {
  const settings = integrations?.prometheus;
  if (settings === undefined || settings.url === null || settings.url === '') {
    throw prometheusError('PROMETHEUS_NOT_CONFIGURED', 'no Prometheus is configured: set prometheus.url in the config file or FIREBREAK_PROMETHEUS_URL');
  }
  return { url: settings.url, timeoutMs: settings.timeoutMs };
}

/** `base` + `/api/v1/query`, keeping a path prefix and dropping a trailing slash. */
export function queryUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/api/v1/query`;
}

/**
 * Runs an instant query at Prometheus's current time.
 * @throws FirebreakError PROMETHEUS_QUERY_INVALID (422: Prometheus rejected the query, e.g. a
 *   syntax error), PROMETHEUS_QUERY_FAILED (422: evaluation failed), PROMETHEUS_UNSUPPORTED_RESULT
 *   (422: a range vector or string), PROMETHEUS_BAD_RESPONSE (502), and the transport and status
 *   errors of ../http/client.ts with the PROMETHEUS prefix.
 */
export async function instantQuery(target: PrometheusTarget, query: string, signal?: AbortSignal): Promise<InstantResult> {
  const form = new URLSearchParams({ query, timeout: `${Math.max(1, Math.floor(target.timeoutMs / 1000))}s` });
  const answer = await exchange('PROMETHEUS', {
    method: 'POST',
    url: queryUrl(target.url),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    timeoutMs: target.timeoutMs,
    maxResponseBytes: MAX_RESPONSE_BYTES,
    ...(signal === undefined ? {} : { signal }),
  });
  return readAnswer(answer, query, describeTarget(queryUrl(target.url)));
}

/** Turns Prometheus's answer into a result or the matching error (pure; unit-tested). */
export function readAnswer(answer: HttpAnswer, query: string, target = 'prometheus'): InstantResult {
  const body = answer.json as Record<string, unknown> | undefined;
  const errorType = typeof body?.['errorType'] === 'string' ? body['errorType'] : null;
  if (answer.status === 400 || (answer.status === 422 && errorType === 'bad_data')) {
    throw prometheusError('PROMETHEUS_QUERY_INVALID', `Prometheus rejected the query: ${serverReason(answer)}`, {
      details: { query, errorType, reason: serverReason(answer) },
    });
  }
  if (answer.status === 422) {
    throw prometheusError('PROMETHEUS_QUERY_FAILED', `evaluating the query failed: ${serverReason(answer)}`, {
      details: { query, errorType, reason: serverReason(answer) },
    });
  }
  if (answer.status !== 200) throw statusError('PROMETHEUS', `query to ${target}`, answer, { query });
  if (body === undefined || body['status'] !== 'success' || typeof body['data'] !== 'object' || body['data'] === null) {
    throw badResponse('the answer is not {"status": "success", "data": ...}', query);
  }
  const data = body['data'] as Record<string, unknown>;
  const warnings = Array.isArray(body['warnings']) ? body['warnings'].filter((w): w is string => typeof w === 'string') : [];
  const resultType = data['resultType'];
  const result = data['result'];
  if (resultType === 'scalar') {
    const [at, value] = sampleOf(result, query);
    return { resultType, series: [{ labels: {}, value }], evaluatedAt: at, warnings };
  }
  if (resultType === 'vector') {
    if (!Array.isArray(result)) throw badResponse('data.result of a vector is not a list', query);
    let evaluatedAt: string | null = null;
    const series = result.map((item: unknown) => {
      const o = item as Record<string, unknown> | null;
      const metric = o?.['metric'];
      if (typeof metric !== 'object' || metric === null) throw badResponse('a series has no metric', query);
      const [at, value] = sampleOf(o?.['value'], query);
      evaluatedAt ??= at;
      return { labels: { ...(metric as Record<string, string>) }, value };
    });
    return { resultType, series, evaluatedAt, warnings };
  }
  throw prometheusError('PROMETHEUS_UNSUPPORTED_RESULT', `the query returns a ${String(resultType)}; an expectation needs an instant vector or a scalar (drop the range selector, or aggregate it, e.g. max_over_time(...[5m]))`, {
    details: { query, resultType },
  });
}

function sampleOf(value: unknown, query: string): [string | null, SampleValue] {
  if (!Array.isArray(value) || value.length !== 2) throw badResponse('a sample is not [time, "value"]', query);
  const parsed = parseSampleValue(value[1]);
  if (parsed === null) throw badResponse(`a sample value is not a number: ${JSON.stringify(value[1])}`, query);
  const seconds = value[0];
  const at = typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(Math.round(seconds * 1000)).toISOString() : null;
  return [at, parsed];
}

function badResponse(why: string, query: string): FirebreakError {
  return prometheusError('PROMETHEUS_BAD_RESPONSE', `unexpected answer from Prometheus: ${why}`, { details: { query } });
}
