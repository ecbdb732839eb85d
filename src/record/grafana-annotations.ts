/**
 * The record stage's Grafana half: incident timelines drawn as Grafana annotations, so the
 * dashboards show when an incident ran and what firebreak changed.
 *
 * - `incident.opened` → a region annotation from the incident's start (its first alert) to its
 *   opening, tagged `firebreak`, the incident id, `runbook:<name>`, `severity:<s>`,
 *   `cluster:<c>`; its id is recorded on the timeline (`annotation.created`);
 * - `incident.status` to `resolved` (or to `closed` without a resolution first) → that region's
 *   `timeEnd` is patched to the transition's time;
 * - a `containment` step that succeeded, and every revert outcome → a point annotation with the
 *   timeline entry's summary, tagged like the region plus `containment` or `revert`.
 *
 * Failures never block the pipeline: the recorder only queues (bounded), one worker sends in
 * order, retriable failures are retried after `retryDelaysMs`, and an operation that still fails
 * is logged and recorded on the timeline as `annotation.failed`. Annotations are best effort:
 * entries queued when the process stops are not sent later.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { toFirebreakError, type FirebreakError } from '../errors.ts';
import type { Incident, TimelineEntry } from '../model/incident.ts';
import { toIso } from '../incidents/normalize.ts';
import type { Store } from '../store/types.ts';
import { FIREBREAK_TAG } from '../actions/grafana/annotate.ts';
import { createAnnotation, patchAnnotation, type GrafanaTarget, type NewAnnotation } from '../actions/grafana/api.ts';
import { createEntryQueue } from './entry-queue.ts';
import type { TimelineRecorder } from './timeline-feed.ts';

/** What one timeline entry asks of Grafana. */
export type AnnotationTask =
  | { op: 'open-region'; annotation: NewAnnotation }
  | { op: 'close-region'; timeEnd: number }
  | { op: 'point'; annotation: NewAnnotation };

/** The tags of every annotation of an incident. */
export function incidentTags(incident: Incident): string[] {
  const tags = [FIREBREAK_TAG, incident.id];
  if (incident.runbook !== null) tags.push(`runbook:${incident.runbook}`);
  if (incident.severity !== null) tags.push(`severity:${incident.severity}`);
  if (incident.cluster !== null) tags.push(`cluster:${incident.cluster}`);
  return tags;
}

/** The Grafana operation a committed timeline entry calls for, or null (pure). */
export function annotationFor(entry: TimelineEntry, incident: Incident): AnnotationTask | null {
  const at = Date.parse(entry.at);
  switch (entry.kind) {
    case 'incident.opened':
      return {
        op: 'open-region',
        annotation: { time: Math.min(Date.parse(incident.startedAt), at), timeEnd: at, tags: incidentTags(incident), text: `${incident.title} (${incident.id})` },
      };
    case 'incident.status': {
      const to = entry.data['to'];
      // Closing an incident that resolved earlier must not stretch its region to the closing time.
      if (to === 'resolved' || (to === 'closed' && incident.resolvedAt === null)) return { op: 'close-region', timeEnd: at };
      return null;
    }
    case 'step.succeeded':
      if (entry.phase !== 'containment') return null;
      return { op: 'point', annotation: { time: at, tags: [...incidentTags(incident), 'containment'], text: `${incident.id}: ${entry.summary}` } };
    case 'revert.succeeded':
    case 'revert.conflict':
    case 'revert.failed':
      return { op: 'point', annotation: { time: at, tags: [...incidentTags(incident), 'revert'], text: `${incident.id}: ${entry.summary}` } };
    default:
      return null;
  }
}

export interface GrafanaAnnotatorDeps {
  /** A store whose feed does not reach this annotator (the app gives one that only counts): it appends `annotation.*`. */
  store: Store;
  clock: Clock;
  logger: Logger;
  grafana: GrafanaTarget;
  /** Waits before each retry of a retriable failure; its length is the number of retries. */
  retryDelaysMs?: readonly number[];
  /** Entries waiting at most; further ones are dropped (and logged) while Grafana lags. */
  maxQueue?: number;
}

export interface GrafanaAnnotator extends TimelineRecorder {
  /** Resolves when nothing is queued or being sent (tests, shutdown). */
  idle(): Promise<void>;
  /**
   * Stops taking entries, lets the queue drain for up to `graceMs`, then cancels the operation
   * in flight and drops what is left. Idempotent.
   */
  close(graceMs?: number): Promise<void>;
}

export const DEFAULT_ANNOTATION_RETRY_DELAYS_MS: readonly number[] = [1_000, 5_000, 30_000];
const DEFAULT_MAX_QUEUE = 1_000;
const ACTOR = 'engine';

export function createGrafanaAnnotator(deps: GrafanaAnnotatorDeps): GrafanaAnnotator {
  const { store, clock, grafana } = deps;
  const logger = deps.logger.child({ recorder: 'grafana' });
  const delays = deps.retryDelaysMs ?? DEFAULT_ANNOTATION_RETRY_DELAYS_MS;
  const maxQueue = deps.maxQueue ?? DEFAULT_MAX_QUEUE;
  /** Region annotation id per incident, learnt when created (or read back from the timeline). */
  const regions = new Map<string, number>();
  const queue = createEntryQueue({ handle: (entry) => handle(entry), logger, maxQueue, what: 'annotating' });
  const stop = { signal: queue.signal };

  async function handle(entry: TimelineEntry): Promise<void> {
    const incident = await store.getIncident(entry.incidentId);
    if (incident === null) return;
    const task = annotationFor(entry, incident);
    if (task === null) return;
    if (task.op === 'close-region') {
      const id = regions.get(incident.id) ?? (await recordedRegion(incident.id));
      if (id === undefined) {
        logger.warn({ incidentId: incident.id }, 'no region annotation to close (its creation failed or predates this feature)');
        return;
      }
      await attempt(entry, 'close-region', () => patchAnnotation(grafana, id, { timeEnd: task.timeEnd }, stop.signal), { annotationId: id });
      return;
    }
    const id = await attempt(entry, task.op, () => createAnnotation(grafana, task.annotation, stop.signal), {});
    if (id === undefined) return;
    const kind = task.op === 'open-region' ? 'region' : 'point';
    if (kind === 'region') regions.set(incident.id, id);
    await append(entry, 'annotation.created', `Grafana annotation ${id} (${kind}) for ${describe(entry)}`, {
      annotationId: id,
      kind,
      entryId: entry.id,
      time: toIso(task.annotation.time),
      timeEnd: task.annotation.timeEnd === undefined ? null : toIso(task.annotation.timeEnd),
      tags: task.annotation.tags,
    });
  }

  /** Runs `call` with retries; resolves with its result, or undefined after recording the failure. */
  async function attempt<T>(entry: TimelineEntry, op: AnnotationTask['op'], call: () => Promise<T>, data: Record<string, unknown>): Promise<T | undefined> {
    let error: FirebreakError | undefined;
    let attempts = 0;
    for (;;) {
      attempts += 1;
      try {
        return await call();
      } catch (err) {
        error = toFirebreakError(err);
      }
      if (stop.signal.aborted) return undefined;
      const delay = delays[attempts - 1];
      if (!error.retriable || delay === undefined) break;
      logger.warn({ code: error.code, attempt: attempts, retryInMs: delay, entryId: entry.id }, 'grafana annotation failed; retrying');
      try {
        await sleepFor(delay, undefined, { signal: stop.signal });
      } catch {
        return undefined; // closing
      }
    }
    logger.error({ code: error.code, message: error.message, attempts, entryId: entry.id, op }, 'grafana annotation failed');
    await append(entry, 'annotation.failed', `Grafana annotation (${op}) for ${describe(entry)} failed: ${error.message}`, {
      ...data,
      op,
      entryId: entry.id,
      attempts,
      error: { code: error.code, message: error.message, retriable: error.retriable },
    });
    return undefined;
  }

  async function recordedRegion(incidentId: string): Promise<number | undefined> {
    const entries = await store.timeline(incidentId);
    const created = entries.filter((e) => e.kind === 'annotation.created' && e.data['kind'] === 'region').at(-1);
    const id = created?.data['annotationId'];
    if (typeof id !== 'number') return undefined;
    regions.set(incidentId, id);
    return id;
  }

  async function append(entry: TimelineEntry, kind: 'annotation.created' | 'annotation.failed', summary: string, data: Record<string, unknown>): Promise<void> {
    try {
      await store.appendTimeline({ incidentId: entry.incidentId, at: toIso(clock.now()), phase: entry.phase, kind, actor: ACTOR, summary, data });
    } catch (err) {
      logger.error({ err, kind, entryId: entry.id }, 'recording the annotation outcome on the timeline failed');
    }
  }

  return {
    name: 'grafana-annotations',
    observe(entries) {
      queue.push(entries.filter((entry) => RELEVANT.has(entry.kind)));
    },
    idle: () => queue.idle(),
    close: (graceMs) => queue.close(graceMs),
  };
}

const RELEVANT = new Set<TimelineEntry['kind']>(['incident.opened', 'incident.status', 'step.succeeded', 'revert.succeeded', 'revert.conflict', 'revert.failed']);

function describe(entry: TimelineEntry): string {
  return `timeline entry ${entry.id} (${entry.kind})`;
}

/** The annotator the configuration asks for: null unless `grafana.url` and `grafana.token` are set and `grafana.annotations` is on. */
export function configuredGrafanaAnnotator(
  settings: { url: string | null; token: string | null; timeoutMs: number; annotations: boolean } | undefined,
  deps: Omit<GrafanaAnnotatorDeps, 'grafana'>,
): GrafanaAnnotator | null {
  if (settings === undefined || !settings.annotations || settings.url === null || settings.token === null) return null;
  return createGrafanaAnnotator({ ...deps, grafana: { url: settings.url, token: settings.token, timeoutMs: settings.timeoutMs } });
}
