/**
 * The post-mortem's account of what firebreak changed in the cluster and how it let go, from the
 * timeline alone (pure): the containment changes applied, every step of their release (scheduled,
 * relaxed, stepped back, held, cancelled, reverted, failed, escalated), and the re-fires (the
 * alert firing again after a resolve, and firebreak's releases that came too early).
 */
import type { TimelineEntry, TimelineKind } from '../model/incident.ts';

export interface ContainmentEvent {
  at: string;
  /** The runbook step the event is about, when it is about one. */
  step: string | null;
  kind: TimelineKind;
  actor: string;
  summary: string;
}

export interface ContainmentAccount {
  /** Changes applied in the containment phase. */
  changes: ContainmentEvent[];
  /** How they were let go, in time order. */
  releases: ContainmentEvent[];
  /** The alert firing again after a resolve, and releases that came too early. */
  reFires: ContainmentEvent[];
}

const RELEASE_KINDS: ReadonlySet<TimelineKind> = new Set([
  'release.scheduled',
  'release.check',
  'release.step',
  'release.step-back',
  'release.cancelled',
  'release.held',
  'release.hold-lifted',
  'revert.succeeded',
  'revert.conflict',
  'revert.failed',
  'incident.escalated',
]);

function event(e: TimelineEntry): ContainmentEvent {
  return { at: e.at, step: typeof e.data.stepId === 'string' ? e.data.stepId : null, kind: e.kind, actor: e.actor, summary: e.summary };
}

/** The account of a timeline already in time order. */
export function containmentAccount(timeline: readonly TimelineEntry[]): ContainmentAccount {
  return {
    changes: timeline.filter((e) => e.kind === 'step.succeeded' && (e.phase === 'containment' || 'applied' in e.data)).map(event),
    releases: timeline.filter((e) => RELEASE_KINDS.has(e.kind)).map(event),
    reFires: timeline
      .filter((e) => e.kind === 'release.too-early' || (e.kind === 'incident.status' && e.data.to === 'open' && (e.data.from === 'resolved' || e.data.from === 'recovered')))
      .map(event),
  };
}
