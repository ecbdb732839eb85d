/**
 * A complete incident as the store would return it: consumer lag on one group, contained by a
 * producer quota, resolved, recovered and closed, with roles, notes and action items. The
 * golden files in test/fixtures/postmortem/ are its post-mortem.
 */
import type { PostmortemInput } from '../../../src/incidents/postmortem.ts';
import type { Alert, TimelineEntry } from '../../../src/model/incident.ts';

const ID = 'inc-20260301-0001';

function lag(fingerprint: string, topic: string, status: Alert['status'], endsAt: string | null): Alert {
  return {
    fingerprint,
    status,
    labels: { alertname: 'KafkaConsumerGroupLagHigh', cluster: 'prod-eu', consumergroup: 'billing', severity: 'critical', topic },
    annotations: {
      summary: `Consumer group billing lags on ${topic}`,
      impact: 'Invoices are issued late while the group lags',
    },
    startsAt: '2026-03-01T10:00:00.000Z',
    endsAt,
    generatorURL: null,
  };
}

let nextId = 1;
function entry(at: string, kind: TimelineEntry['kind'], phase: TimelineEntry['phase'], actor: string, summary: string, data: Record<string, unknown> = {}): TimelineEntry {
  return { id: nextId++, incidentId: ID, at, kind, phase, actor, summary, data };
}

export const SAMPLE_NOW = Date.parse('2026-03-02T09:00:00Z');

export const sample: PostmortemInput = {
  incident: {
    id: ID,
    key: 'cluster=prod-eu,consumergroup=billing',
    title: 'Consumer group billing lags on prod-eu',
    severity: 'critical',
    cluster: 'prod-eu',
    status: 'closed',
    runbook: 'consumer-lag-throttle-producers',
    labels: { consumergroup: 'billing', cluster: 'prod-eu', alertname: 'KafkaConsumerGroupLagHigh' },
    startedAt: '2026-03-01T10:00:00.000Z',
    openedAt: '2026-03-01T10:01:05.000Z',
    containedAt: '2026-03-01T10:04:12.000Z',
    resolvedAt: '2026-03-01T10:32:00.000Z',
    recoveredAt: '2026-03-01T10:40:30.000Z',
    closedAt: '2026-03-01T11:15:00.000Z',
    updatedAt: '2026-03-01T11:15:00.000Z',
  },
  alertEvents: [
    { incidentId: ID, alert: lag('b2', 'payments', 'firing', null), notificationId: 1, receivedAt: '2026-03-01T10:01:05.000Z' },
    { incidentId: ID, alert: lag('a1', 'invoices', 'firing', null), notificationId: 1, receivedAt: '2026-03-01T10:01:05.000Z' },
    { incidentId: ID, alert: lag('a1', 'invoices', 'resolved', '2026-03-01T10:30:00.000Z'), notificationId: 2, receivedAt: '2026-03-01T10:30:20.000Z' },
    { incidentId: ID, alert: lag('b2', 'payments', 'resolved', '2026-03-01T10:32:00.000Z'), notificationId: 3, receivedAt: '2026-03-01T10:32:15.000Z' },
  ],
  timeline: [
    entry('2026-03-01T10:01:05.000Z', 'incident.opened', 'identification', 'alertmanager', 'Incident opened: Consumer group billing lags on prod-eu'),
    entry('2026-03-01T10:00:00.000Z', 'alert.firing', 'identification', 'alertmanager', 'KafkaConsumerGroupLagHigh firing: Consumer group billing lags on payments'),
    entry('2026-03-01T10:00:00.000Z', 'alert.firing', 'identification', 'alertmanager', 'KafkaConsumerGroupLagHigh firing: Consumer group billing lags on invoices'),
    entry('2026-03-01T10:01:06.000Z', 'runbook.matched', 'identification', 'engine', 'Runbook consumer-lag-throttle-producers matched'),
    entry('2026-03-01T10:01:09.000Z', 'step.succeeded', 'identification', 'engine', 'Step lag: lag 1,204,332 messages over 2 topics', {
      stepId: 'lag',
      action: 'kafka.consumerGroupLag',
      output: { group: 'billing', totalLag: 1204332, topics: [{ topic: 'invoices', lag: 804332 }, { topic: 'payments', lag: 400000 }] },
    }),
    entry('2026-03-01T10:02:00.000Z', 'role.assigned', 'identification', 'alice', 'alice is commander'),
    entry('2026-03-01T10:03:00.000Z', 'note', 'identification', 'alice', 'impact: EU invoices were up to 30 minutes late; no data lost'),
    entry('2026-03-01T10:04:12.000Z', 'step.succeeded', 'containment', 'engine', 'Step throttle: producer_byte_rate of client billing-writer set to 1048576 (was unset)', {
      stepId: 'throttle',
      action: 'kafka.setClientQuota',
    }),
    entry('2026-03-01T10:04:12.000Z', 'incident.status', 'containment', 'engine', 'Contained by step throttle'),
    entry('2026-03-01T10:20:00.000Z', 'note', 'containment', 'bob', 'Producer billing-writer was replaying | re-sending a backlog\nafter the 09:55 deploy'),
    entry('2026-03-01T10:30:00.000Z', 'alert.resolved', 'recovery', 'alertmanager', 'KafkaConsumerGroupLagHigh resolved: Consumer group billing lags on invoices'),
    entry('2026-03-01T10:32:00.000Z', 'alert.resolved', 'recovery', 'alertmanager', 'KafkaConsumerGroupLagHigh resolved: Consumer group billing lags on payments'),
    entry('2026-03-01T10:32:00.000Z', 'incident.status', 'recovery', 'alertmanager', 'Resolved: all 2 alerts resolved'),
    entry('2026-03-01T10:33:00.000Z', 'revert.succeeded', 'recovery', 'engine', 'Reverted throttle: quota of billing-writer removed'),
    entry('2026-03-01T10:40:30.000Z', 'incident.status', 'recovery', 'engine', 'Recovered: lag below 1000 for 2m'),
    entry('2026-03-01T11:00:00.000Z', 'note', 'lessons-learned', 'alice', 'why: the billing-writer producer re-sent its whole backlog at once'),
    entry('2026-03-01T11:01:00.000Z', 'note', 'lessons-learned', 'bob', 'why: the 09:55 deploy reset its local outbox'),
    entry('2026-03-01T11:02:00.000Z', 'note', 'lessons-learned', 'alice', 'why 4: there is no rate limit on outbox replay'),
    entry('2026-03-01T11:03:00.000Z', 'note', 'lessons-learned', 'alice', 'root-cause: outbox replay without a producer quota'),
    entry('2026-03-01T11:04:00.000Z', 'note', 'lessons-learned', 'bob', 'lesson: the throttle runbook contained it in 3 minutes'),
    entry('2026-03-01T11:15:00.000Z', 'incident.status', 'lessons-learned', 'alice', 'Closed by alice'),
  ],
  roles: [
    { role: 'scribe', person: 'bob', assignedAt: '2026-03-01T10:02:30.000Z', assignedBy: 'alice' },
    { role: 'commander', person: 'alice', assignedAt: '2026-03-01T10:02:00.000Z', assignedBy: 'alice' },
  ],
  actionItems: [
    { id: 7, incidentId: ID, title: 'Rate-limit outbox replay in billing-writer', owner: 'bob', dueDate: '2026-03-15', createdAt: '2026-03-01T11:05:00.000Z', createdBy: 'alice' },
    { id: 3, incidentId: ID, title: 'Review consumer capacity of billing', owner: null, dueDate: null, createdAt: '2026-03-01T10:40:30.000Z', createdBy: 'engine' },
  ],
};
