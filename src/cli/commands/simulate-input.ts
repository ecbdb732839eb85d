/**
 * What `firebreak simulate` accepts, turned into one Alertmanager webhook payload (version 4):
 *
 * - a webhook payload as Alertmanager posts it (an object with `alerts`), used as it is;
 * - one alert object as `amtool`, Alertmanager's API v2 or a rule's test shows it (`labels`,
 *   optional `annotations`, `status`, `startsAt`, `endsAt`, `fingerprint`), or a list of them:
 *   wrapped in a notification the way Alertmanager would send it. Missing fields get what
 *   Alertmanager would fill in: status `firing`, `startsAt` now, the zero `endsAt`, and a
 *   fingerprint derived from the labels.
 */
import { createHash } from 'node:crypto';
import { FirebreakError } from '../../errors.ts';
import { cliError } from '../errors.ts';

const ZERO_TIME = '0001-01-01T00:00:00Z';

function invalid(file: string, message: string, cause?: unknown): FirebreakError {
  return cliError('SIMULATE_INPUT_INVALID', `${file}: ${message}`, { cause, details: { file } });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A stable fingerprint of a label set (Alertmanager's is a hash of the sorted labels too). */
export function labelsFingerprint(labels: Record<string, string>): string {
  const text = Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k]}`)
    .join('\u0001');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function wrapAlert(file: string, alert: unknown, index: number, now: string): Record<string, unknown> {
  if (!isObject(alert) || !isObject(alert['labels'])) throw invalid(file, `alert ${index + 1} needs a "labels" object`);
  const labels = alert['labels'] as Record<string, string>;
  const status = alert['status'] ?? (typeof alert['endsAt'] === 'string' && alert['endsAt'] !== ZERO_TIME && Date.parse(alert['endsAt']) <= Date.parse(now) ? 'resolved' : 'firing');
  return {
    status,
    labels,
    annotations: alert['annotations'] ?? {},
    startsAt: alert['startsAt'] ?? now,
    endsAt: alert['endsAt'] ?? ZERO_TIME,
    generatorURL: alert['generatorURL'] ?? '',
    fingerprint: alert['fingerprint'] ?? labelsFingerprint(labels),
  };
}

/** The labels every alert shares (what Alertmanager sends as commonLabels). */
function common(maps: Array<Record<string, string>>): Record<string, string> {
  const [first, ...rest] = maps;
  if (first === undefined) return {};
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((m) => m[k] === v)));
}

/**
 * The webhook payload to simulate from the text of `file` (see the module comment).
 * @throws FirebreakError SIMULATE_INPUT_INVALID (400) for text that is not JSON or not one of
 *   the accepted shapes.
 */
export function notificationFromInput(file: string, text: string, now: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid(file, `not JSON: ${(err as Error).message}`, err);
  }
  if (isObject(value) && Array.isArray(value['alerts'])) return value;
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw invalid(file, 'an empty list holds no alert');
  const alerts = list.map((a, i) => wrapAlert(file, a, i, now));
  const labels = alerts.map((a) => a['labels'] as Record<string, string>);
  const shared = common(labels);
  const groupLabels = 'alertname' in shared ? { alertname: shared['alertname'] as string } : {};
  return {
    version: '4',
    groupKey: `{}:{${Object.entries(groupLabels).map(([k, v]) => `${k}="${v}"`).join(', ')}}`,
    truncatedAlerts: 0,
    status: alerts.some((a) => a['status'] === 'firing') ? 'firing' : 'resolved',
    receiver: 'firebreak-simulate',
    groupLabels,
    commonLabels: shared,
    commonAnnotations: {},
    externalURL: '',
    alerts,
  };
}
