/** Lag alerts and notifications for engine tests (the THROTTLE_RUNBOOK matches them). */
import { alert, notification } from '../../incidents/payloads.ts';

export const T0 = '2026-03-01T10:00:00.000Z';

export interface LagOverrides {
  fingerprint?: string;
  startsAt?: string;
  endsAt?: string;
  labels?: Record<string, string>;
}

export function lagAlert(status: 'firing' | 'resolved' = 'firing', o: LagOverrides = {}): Record<string, unknown> {
  return alert({
    fingerprint: o.fingerprint ?? 'lag-1',
    status,
    startsAt: o.startsAt ?? T0,
    ...(status === 'resolved' ? { endsAt: o.endsAt ?? '2026-03-01T10:20:00.000Z' } : {}),
    labels: { alertname: 'Lag', group: 'billing', client: 'loadgen', ...o.labels },
  });
}

export function lagNotification(status: 'firing' | 'resolved' = 'firing', o: LagOverrides = {}): Record<string, unknown> {
  return notification([lagAlert(status, o)], '{}:{alertname="Lag"}');
}
