/**
 * The record stage's counter: `firebreak_timeline_entries_total{kind}` goes up by one for each
 * committed timeline entry the timeline feed reports. Whoever appends an entry (incident
 * processing, the engine, the API, the console, the recorders' own `annotation.*` and
 * `notification.failed`) counts nothing itself, so each entry is counted exactly once and one
 * rolled back is never counted. Entries the ingest thread commits arrive as counts by kind
 * (`countKinds`), counted there the same way.
 */
import type { TimelineKind } from '../model/incident.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { TimelineRecorder } from './timeline-feed.ts';

export function timelineCounter(metrics: Pick<Metrics, 'timelineEntry'>): TimelineRecorder {
  return {
    name: 'timeline-count',
    observe(entries) {
      for (const entry of entries) metrics.timelineEntry(entry.kind);
    },
    countKinds(counts) {
      for (const [kind, count] of Object.entries(counts)) if (count !== undefined && count > 0) metrics.timelineEntry(kind as TimelineKind, count);
    },
  };
}
