/** The post-mortem lists what firebreak changed, how it let go, and the re-fires. */
import { expect } from 'chai';
import type { TimelineEntry } from '../../../src/model/incident.ts';
import { assemblePostmortem, renderPostmortemMarkdown } from '../../../src/incidents/postmortem.ts';
import { sample, SAMPLE_NOW } from './postmortem-sample.ts';

let id = 1000;
function entry(at: string, kind: TimelineEntry['kind'], summary: string, data: Record<string, unknown> = {}, actor = 'engine'): TimelineEntry {
  return { id: id++, incidentId: sample.incident.id, at, kind, phase: kind === 'step.succeeded' ? 'containment' : 'recovery', actor, summary, data };
}

describe('post-mortem: containment and release', () => {
  it('lists the changes, each step of their release and the re-fires, in time order', () => {
    const timeline = [
      entry('2026-03-01T10:04:00.000Z', 'step.succeeded', 'Step throttle succeeded: throttle producers billing-writer to 1048576 B/s', { stepId: 'throttle', applied: {} }),
      entry('2026-03-01T10:30:00.000Z', 'release.scheduled', 'Step throttle will be released in levels', { stepId: 'throttle' }),
      entry('2026-03-01T10:35:00.000Z', 'release.step', 'Relaxed step throttle from level 0 to 1', { stepId: 'throttle' }),
      entry('2026-03-01T10:41:00.000Z', 'revert.succeeded', 'Reverted step throttle', { stepId: 'throttle' }),
      entry('2026-03-01T10:42:00.000Z', 'incident.status', 'Re-opened: KafkaConsumerGroupLagHigh firing again', { from: 'recovered', to: 'open' }, 'alertmanager'),
      entry('2026-03-01T10:42:01.000Z', 'release.too-early', 'The alert fired again 1m after firebreak released step throttle: released too early', { stepId: 'throttle' }),
      entry('2026-03-01T10:42:02.000Z', 'incident.status', 'Contained by step throttle', { from: 'open', to: 'contained' }),
    ];
    const pm = assemblePostmortem({ ...sample, timeline }, SAMPLE_NOW);
    expect(pm.containment.changes.map((e) => e.step)).to.deep.equal(['throttle']);
    expect(pm.containment.releases.map((e) => e.kind)).to.deep.equal(['release.scheduled', 'release.step', 'revert.succeeded']);
    expect(pm.containment.reFires.map((e) => e.kind)).to.deep.equal(['incident.status', 'release.too-early']);
    const md = renderPostmortemMarkdown(pm);
    expect(md).to.contain('1 change(s) applied, 2 re-fire(s).');
    expect(md).to.contain('| 2026-03-01 10:42:01 | re-fire | throttle | The alert fired again 1m after firebreak released step throttle: released too early |');
  });

  it('says so when nothing was changed', () => {
    const md = renderPostmortemMarkdown(assemblePostmortem({ ...sample, timeline: [] }, SAMPLE_NOW));
    expect(md).to.contain('## Containment and release\n\n_firebreak changed nothing in the cluster for this incident._');
  });
});
