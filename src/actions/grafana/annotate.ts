/**
 * `grafana.annotate`: writes an annotation to Grafana (`POST /api/annotations`), a point or,
 * with `timeEnd`, a region, tagged `firebreak` plus the step's `tags`.
 *
 * It counts as mutating: it writes to a system outside firebreak, so dry-run mode plans it and
 * does not send it. It is never reverted: an annotation is a record of what happened, and
 * deleting it when the alert resolves would erase the incident from the dashboards it is meant
 * to explain. (The incident's own region annotation is closed by the record stage,
 * src/record/grafana-annotations.ts, not by this action.)
 */
import type { Action, Plan } from '../types.ts';
import { createAnnotation, grafanaTarget, type NewAnnotation } from './api.ts';

export interface GrafanaAnnotateParams {
  text: string;
  tags: string[];
  /** Epoch ms or an ISO-8601 time; default: now. */
  time?: number | string;
  /** Epoch ms or an ISO-8601 time; makes the annotation a region. */
  timeEnd?: number | string;
  dashboardUID?: string;
  panelId?: number;
}

export interface GrafanaAnnotateOutput {
  id: number;
  time: number;
  timeEnd: number | null;
  tags: string[];
}

/** The tag every annotation firebreak writes carries (the dashboard's annotation query filters on it). */
export const FIREBREAK_TAG = 'firebreak';

const TIME = { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', format: 'date-time' }] } as const;

/** Epoch ms of a time parameter. */
export function epochMs(value: number | string): number {
  return typeof value === 'number' ? value : Date.parse(value);
}

/** The annotation the params describe, at `now` when they give no time (pure). */
export function annotationOf(params: GrafanaAnnotateParams, now: number): NewAnnotation {
  const tags = [FIREBREAK_TAG, ...params.tags.filter((t) => t !== FIREBREAK_TAG)];
  return {
    time: params.time === undefined ? now : epochMs(params.time),
    ...(params.timeEnd === undefined ? {} : { timeEnd: epochMs(params.timeEnd) }),
    tags: [...new Set(tags)],
    text: params.text,
    ...(params.dashboardUID === undefined ? {} : { dashboardUID: params.dashboardUID }),
    ...(params.panelId === undefined ? {} : { panelId: params.panelId }),
  };
}

export const grafanaAnnotate: Action<GrafanaAnnotateParams, GrafanaAnnotateOutput> = {
  name: 'grafana.annotate',
  description: 'Write an annotation (a point, or a region with timeEnd) to Grafana, tagged "firebreak". Never reverted.',
  mutating: true,
  defaultRevert: 'never',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['text'],
    dependentRequired: { panelId: ['dashboardUID'] },
    properties: {
      text: { type: 'string', minLength: 1, maxLength: 10_000 },
      tags: { type: 'array', maxItems: 32, items: { type: 'string', minLength: 1, maxLength: 100 }, default: [] },
      time: TIME,
      timeEnd: TIME,
      dashboardUID: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,40}$' },
      panelId: { type: 'integer', minimum: 1 },
    },
  },

  async plan(ctx, params): Promise<Plan> {
    const a = annotationOf(params, ctx.clock.now());
    const when = a.timeEnd === undefined ? new Date(a.time).toISOString() : `${new Date(a.time).toISOString()} – ${new Date(a.timeEnd).toISOString()}`;
    return {
      summary: `annotate Grafana at ${when} [${a.tags.join(', ')}]: ${a.text}`,
      changes: [{ resource: 'grafana:annotations', key: 'annotation', from: null, to: a }],
      touches: { topics: [], clients: [] },
    };
  },

  async execute(ctx, params) {
    const target = grafanaTarget(ctx.integrations);
    const annotation = annotationOf(params, ctx.clock.now());
    const id = await createAnnotation(target, annotation, ctx.signal);
    ctx.logger.info({ id, tags: annotation.tags }, 'grafana annotation created');
    return {
      output: { id, time: annotation.time, timeEnd: annotation.timeEnd ?? null, tags: annotation.tags },
      changes: [{ resource: 'grafana:annotations', key: `annotation:${id}`, from: null, to: annotation }],
    };
  },
};
