/**
 * Derived figures of an incident: pure functions of the incident and its timeline, each with
 * the definition shown next to it on the incident and in the post-mortem (docs/incidents.md).
 * A figure whose end point was not reached is null. Negative spans (clock skew between
 * Prometheus and firebreak) are shown as zero.
 */
import type { Incident, TimelineEntry } from '../model/incident.ts';

export type FigureName = 'timeToDetect' | 'timeToContain' | 'timeToResolve' | 'timeToRecover' | 'duration';

/** Milliseconds per figure; null when not reached. */
export type IncidentFigures = Record<FigureName, number | null>;

/** Label and definition of each figure, in display order. */
export const FIGURES: ReadonlyArray<{ name: FigureName; label: string; definition: string }> = [
  { name: 'timeToDetect', label: 'Time to detect', definition: 'first alert started firing → incident opened by firebreak' },
  { name: 'timeToContain', label: 'Time to contain', definition: 'incident opened → first successful containment step' },
  { name: 'timeToResolve', label: 'Time to resolve', definition: 'first alert started firing → all alerts resolved' },
  { name: 'timeToRecover', label: 'Time to recover', definition: 'first alert started firing → recovery verified' },
  { name: 'duration', label: 'Duration', definition: 'first alert started firing → recovered, else resolved, else closed' },
];

/**
 * Computes the figures. Containment is the earlier of `containedAt` and the first
 * `step.succeeded` entry in phase containment, so a containment step that succeeded before the
 * engine set the status still counts.
 */
export function computeFigures(incident: Incident, timeline: readonly TimelineEntry[]): IncidentFigures {
  const contained = earliest([
    incident.containedAt,
    ...timeline.filter((e) => e.kind === 'step.succeeded' && e.phase === 'containment').map((e) => e.at),
  ]);
  const end = incident.recoveredAt ?? incident.resolvedAt ?? incident.closedAt;
  return {
    timeToDetect: span(incident.startedAt, incident.openedAt),
    timeToContain: span(incident.openedAt, contained),
    timeToResolve: span(incident.startedAt, incident.resolvedAt),
    timeToRecover: span(incident.startedAt, incident.recoveredAt),
    duration: span(incident.startedAt, end),
  };
}

/** Milliseconds from `from` to `to` (ISO times), at least 0; null when `to` is null. */
export function span(from: string, to: string | null): number | null {
  if (to === null) return null;
  return Math.max(0, Date.parse(to) - Date.parse(from));
}

function earliest(times: Array<string | null>): string | null {
  let best: string | null = null;
  for (const t of times) if (t !== null && (best === null || Date.parse(t) < Date.parse(best))) best = t;
  return best;
}
