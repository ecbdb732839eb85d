/**
 * The part of Grafana's HTTP API firebreak uses: annotations.
 *
 * - `POST /api/annotations` with `time` (epoch ms), optional `timeEnd` (a region), `tags`,
 *   `text`, optional `dashboardUID`/`panelId` (omitted: an organisation-wide annotation);
 *   answers `{"message": "Annotation added", "id": <id>}`.
 * - `PATCH /api/annotations/:id` with any of `text`, `tags`, `time`, `timeEnd`; answers
 *   `{"message": "Annotation patched"}`, 404 for an unknown id.
 *
 * Authentication: `Authorization: Bearer <service account token>` (role Editor, or
 * `annotations:create` + `annotations:write`). The token never appears in errors or logs.
 */
import { describeTarget, exchange, statusError } from '../http/client.ts';
import type { IntegrationSettings } from '../types.ts';
import { grafanaError } from '../integration-errors.ts';

export interface GrafanaTarget {
  url: string;
  token: string;
  timeoutMs: number;
}

export interface NewAnnotation {
  /** Epoch ms. */
  time: number;
  /** Epoch ms; present for a region. */
  timeEnd?: number;
  tags: string[];
  text: string;
  dashboardUID?: string;
  panelId?: number;
}

export interface AnnotationPatch {
  time?: number;
  timeEnd?: number;
  tags?: string[];
  text?: string;
}

/** The configured Grafana, or `GRAFANA_NOT_CONFIGURED` (503) when the URL or the token is missing. */
export function grafanaTarget(integrations: IntegrationSettings | undefined): GrafanaTarget {
  const settings = integrations?.grafana;
  if (settings === undefined || settings.url === null || settings.url === '' || settings.token === null || settings.token === '') {
    throw grafanaError(
      'GRAFANA_NOT_CONFIGURED',
      'Grafana is not configured: set grafana.url and grafana.token in the config file, or FIREBREAK_GRAFANA_URL and FIREBREAK_GRAFANA_TOKEN');
  }
  return { url: settings.url, token: settings.token, timeoutMs: settings.timeoutMs };
}

function endpoint(target: GrafanaTarget, path: string): string {
  return `${target.url.replace(/\/+$/, '')}${path}`;
}

/**
 * Creates an annotation and resolves with its id.
 * @throws FirebreakError GRAFANA_UNAUTHORIZED, GRAFANA_REJECTED (400: Grafana refused the
 *   fields), GRAFANA_SERVER_ERROR / GRAFANA_RATE_LIMITED / transport errors (retriable),
 *   GRAFANA_BAD_RESPONSE (no id in the answer).
 */
export async function createAnnotation(target: GrafanaTarget, annotation: NewAnnotation, signal?: AbortSignal): Promise<number> {
  const url = endpoint(target, '/api/annotations');
  const answer = await exchange('GRAFANA', {
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${target.token}` },
    body: annotation,
    timeoutMs: target.timeoutMs,
    ...(signal === undefined ? {} : { signal }),
  });
  if (answer.status !== 200) throw statusError('GRAFANA', `creating an annotation at ${describeTarget(url)}`, answer);
  const id = (answer.json as Record<string, unknown> | undefined)?.['id'];
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
    throw grafanaError('GRAFANA_BAD_RESPONSE', `Grafana answered 200 without an annotation id: ${answer.text.slice(0, 200)}`);
  }
  return id;
}

/**
 * Changes the given fields of an annotation.
 * @throws FirebreakError GRAFANA_ANNOTATION_NOT_FOUND (404 from Grafana: deleted by someone),
 *   and the errors of {@link createAnnotation}.
 */
export async function patchAnnotation(target: GrafanaTarget, id: number, patch: AnnotationPatch, signal?: AbortSignal): Promise<void> {
  const url = endpoint(target, `/api/annotations/${id}`);
  const answer = await exchange('GRAFANA', {
    method: 'PATCH',
    url,
    headers: { authorization: `Bearer ${target.token}` },
    body: patch,
    timeoutMs: target.timeoutMs,
    ...(signal === undefined ? {} : { signal }),
  });
  if (answer.status === 404) {
    throw grafanaError('GRAFANA_ANNOTATION_NOT_FOUND', `Grafana has no annotation ${id} (deleted?)`, { details: { id } });
  }
  if (answer.status !== 200) throw statusError('GRAFANA', `patching annotation ${id} at ${describeTarget(url)}`, answer, { id });
}
