/**
 * Builders of Alertmanager webhook bodies (payload version "4") shaped like the real ones:
 * firing alerts carry the zero endsAt, resolved ones their end time.
 */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface AlertSpec {
  fingerprint: string;
  status?: 'firing' | 'resolved';
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt: string;
  endsAt?: string;
}

export function alert(spec: AlertSpec): Record<string, unknown> {
  const status = spec.status ?? 'firing';
  return {
    status,
    labels: { alertname: 'KafkaUnderReplicatedPartitions', cluster: 'prod-eu', severity: 'critical', ...spec.labels },
    annotations: spec.annotations ?? {},
    startsAt: spec.startsAt,
    endsAt: spec.endsAt ?? (status === 'firing' ? ZERO_TIME : spec.startsAt),
    generatorURL: 'http://127.0.0.1:9090/graph?g0.expr=up',
    fingerprint: spec.fingerprint,
  };
}

export function notification(alerts: Array<Record<string, unknown>>, groupKey = '{}:{alertname="KafkaUnderReplicatedPartitions", cluster="prod-eu"}'): Record<string, unknown> {
  const anyFiring = alerts.some((a) => a.status === 'firing');
  return {
    version: '4',
    groupKey,
    truncatedAlerts: 0,
    status: anyFiring ? 'firing' : 'resolved',
    receiver: 'firebreak',
    groupLabels: { alertname: 'KafkaUnderReplicatedPartitions', cluster: 'prod-eu' },
    commonLabels: { alertname: 'KafkaUnderReplicatedPartitions', cluster: 'prod-eu', severity: 'critical' },
    commonAnnotations: {},
    externalURL: 'http://127.0.0.1:9093',
    alerts,
  };
}
