/**
 * The HTTP integrations' error codes (docs/errors.md, "Integrations"): one transport scheme
 * shared by every integration, each code prefixed with the integration's name
 * (`PROMETHEUS_TIMEOUT`, `GRAFANA_UNAUTHORIZED`...), and each integration's own codes.
 */
import { errorFactory, FirebreakError, type ErrorCatalogue, type FirebreakErrorOptions } from '../errors.ts';

/**
 * The integrations that talk HTTP, as the prefix of their codes. ALERTMANAGER is reconciliation's
 * (src/engine/reconcile.ts): its failures are logged, never answered.
 */
export const INTEGRATION_PREFIXES = ['PROMETHEUS', 'GRAFANA', 'NOTIFY', 'HTTP', 'ALERTMANAGER'] as const;
export type IntegrationPrefix = (typeof INTEGRATION_PREFIXES)[number];

/** Transport and status failures, by suffix: `<prefix>_<suffix>` (src/actions/http/client.ts). */
export const TRANSPORT_ERRORS = {
  TIMEOUT: { status: 504, retriable: true },
  UNREACHABLE: { status: 503, retriable: true },
  ABORTED: { status: 503 },
  RESPONSE_TOO_LARGE: { status: 502 },
  REQUEST_FAILED: { status: 502 },
  UNAUTHORIZED: { status: 502 },
  RATE_LIMITED: { status: 503, retriable: true },
  SERVER_ERROR: { status: 502, retriable: true },
  REJECTED: { status: 502 },
} as const satisfies ErrorCatalogue;

/** A transport failure of one integration: `<prefix>_<suffix>` with the suffix's status. */
export function transportError(prefix: IntegrationPrefix, suffix: keyof typeof TRANSPORT_ERRORS, message: string, options: FirebreakErrorOptions = {}): FirebreakError {
  const spec = TRANSPORT_ERRORS[suffix];
  return new FirebreakError(`${prefix}_${suffix}`, message, { statusCode: spec.status, retriable: 'retriable' in spec ? spec.retriable : false, ...options });
}

export const PROMETHEUS_ERRORS = {
  PROMETHEUS_NOT_CONFIGURED: { status: 503 },
  PROMETHEUS_EXPECTATION_NOT_MET: { status: 422 },
  PROMETHEUS_EXPECTATION_INVALID: { status: 400 },
  PROMETHEUS_QUERY_INVALID: { status: 422 },
  PROMETHEUS_QUERY_FAILED: { status: 422 },
  PROMETHEUS_UNSUPPORTED_RESULT: { status: 422 },
  PROMETHEUS_BAD_RESPONSE: { status: 502 },
} as const satisfies ErrorCatalogue;

export const GRAFANA_ERRORS = {
  GRAFANA_NOT_CONFIGURED: { status: 503 },
  GRAFANA_ANNOTATION_NOT_FOUND: { status: 404 },
  GRAFANA_BAD_RESPONSE: { status: 502 },
} as const satisfies ErrorCatalogue;

export const NOTIFY_ERRORS = {
  NOTIFY_TARGET_UNKNOWN: { status: 422 },
} as const satisfies ErrorCatalogue;

/** `http.request`'s own codes. */
export const HTTP_REQUEST_ERRORS = {
  HTTP_NOT_CONFIGURED: { status: 503 },
  HTTP_HOST_NOT_ALLOWED: { status: 403 },
  HTTP_URL_INVALID: { status: 400 },
  HTTP_HEADER_NOT_ALLOWED: { status: 400 },
  HTTP_UNEXPECTED_STATUS: { status: 502 },
} as const satisfies ErrorCatalogue;

export const WAIT_ERRORS = {
  WAIT_DURATION_INVALID: { status: 400 },
  WAIT_ABORTED: { status: 503 },
} as const satisfies ErrorCatalogue;

export const prometheusError = errorFactory(PROMETHEUS_ERRORS);
export const grafanaError = errorFactory(GRAFANA_ERRORS);
export const notifyError = errorFactory(NOTIFY_ERRORS);
export const httpRequestError = errorFactory(HTTP_REQUEST_ERRORS);
export const waitError = errorFactory(WAIT_ERRORS);
