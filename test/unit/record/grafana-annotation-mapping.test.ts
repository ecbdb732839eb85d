import { expect } from 'chai';
import type { Incident, TimelineEntry } from '../../../src/model/incident.ts';
import { annotationFor, incidentTags } from '../../../src/record/grafana-annotations.ts';

const incident: Incident = {
  id: 'INC-01JQ7Z',
  key: 'consumer-lag{cluster="eu1",consumergroup="billing"}',
  title: 'KafkaConsumerGroupLagHigh: billing lags on orders',
  severity: 'warning',
  cluster: 'eu1',
  status: 'open',
  runbook: 'consumer-lag',
  labels: {},
  startedAt: '2026-03-01T09:50:00.000Z',
  openedAt: '2026-03-01T10:00:00.000Z',
  containedAt: null,
  resolvedAt: null,
  recoveredAt: null,
  closedAt: null,
  updatedAt: '2026-03-01T10:00:00.000Z',
};

function entry(kind: TimelineEntry['kind'], phase: TimelineEntry['phase'], data: Record<string, unknown> = {}, at = '2026-03-01T10:05:00.000Z'): TimelineEntry {
  return { id: 7, incidentId: incident.id, at, phase, kind, actor: 'engine', summary: `${kind} summary`, data };
}

describe('which timeline entries become Grafana annotations', () => {
  it('tags with firebreak, the incident id, runbook, severity and cluster, leaving out what is unknown', () => {
    expect(incidentTags(incident)).to.deep.equal(['firebreak', 'INC-01JQ7Z', 'runbook:consumer-lag', 'severity:warning', 'cluster:eu1']);
    expect(incidentTags({ ...incident, runbook: null, severity: null, cluster: null })).to.deep.equal(['firebreak', 'INC-01JQ7Z']);
  });

  it('opens a region from the first alert to the opening', () => {
    expect(annotationFor(entry('incident.opened', 'identification', {}, incident.openedAt), incident)).to.deep.equal({
      op: 'open-region',
      annotation: {
        time: Date.parse('2026-03-01T09:50:00Z'),
        timeEnd: Date.parse('2026-03-01T10:00:00Z'),
        tags: ['firebreak', 'INC-01JQ7Z', 'runbook:consumer-lag', 'severity:warning', 'cluster:eu1'],
        text: 'KafkaConsumerGroupLagHigh: billing lags on orders (INC-01JQ7Z)',
      },
    });
  });

  it('closes the region at the resolution, or at the closing when the incident never resolved', () => {
    expect(annotationFor(entry('incident.status', 'recovery', { from: 'contained', to: 'resolved' }), incident)).to.deep.equal({
      op: 'close-region',
      timeEnd: Date.parse('2026-03-01T10:05:00Z'),
    });
    expect(annotationFor(entry('incident.status', null, { from: 'open', to: 'closed' }), incident)?.op).to.equal('close-region');
    const resolved = { ...incident, resolvedAt: '2026-03-01T10:05:00.000Z' };
    expect(annotationFor(entry('incident.status', null, { from: 'resolved', to: 'closed' }, '2026-03-02T08:00:00.000Z'), resolved)).to.equal(null);
    expect(annotationFor(entry('incident.status', 'containment', { from: 'open', to: 'contained' }), incident)).to.equal(null);
  });

  it('marks successful containment steps and every revert outcome as points', () => {
    const step = annotationFor(entry('step.succeeded', 'containment'), incident);
    expect(step).to.deep.equal({
      op: 'point',
      annotation: {
        time: Date.parse('2026-03-01T10:05:00Z'),
        tags: ['firebreak', 'INC-01JQ7Z', 'runbook:consumer-lag', 'severity:warning', 'cluster:eu1', 'containment'],
        text: 'INC-01JQ7Z: step.succeeded summary',
      },
    });
    for (const kind of ['revert.succeeded', 'revert.conflict', 'revert.failed'] as const) {
      const task = annotationFor(entry(kind, 'recovery'), incident);
      expect(task?.op, kind).to.equal('point');
      expect(task?.op === 'point' ? task.annotation.tags.at(-1) : null).to.equal('revert');
    }
  });

  it('ignores evidence steps, failures, notes and its own annotation entries', () => {
    for (const [kind, phase] of [
      ['step.succeeded', 'identification'],
      ['step.failed', 'containment'],
      ['note', null],
      ['annotation.created', 'identification'],
      ['annotation.failed', 'recovery'],
      ['alert.firing', 'identification'],
    ] as const) {
      expect(annotationFor(entry(kind, phase), incident), kind).to.equal(null);
    }
  });
});
