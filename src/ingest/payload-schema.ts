/**
 * JSON Schema of the Alertmanager webhook body, payload version "4" (Alertmanager's
 * `notify/webhook` Message: template Data plus version, groupKey, truncatedAlerts).
 *
 * Strict on what firebreak reads (types, the status enum, RFC 3339 times, string label values),
 * lenient on the rest: additional properties are allowed everywhere because newer Alertmanager
 * releases add fields (`notification_reason`, `routeLabels`, ...), and a receiver that rejected
 * them would drop alerts on an upgrade (Alertmanager does not retry a 4xx).
 *
 * Ingest checks the envelope with {@link WEBHOOK_ENVELOPE_SCHEMA} and reads each alert with
 * `readNotification` (src/incidents/normalize.ts), the function processing uses, so one bad alert
 * is rejected alone. {@link WEBHOOK_ALERT_SCHEMA} describes what that function accepts, for the
 * OpenAPI document; a unit test keeps the two in agreement.
 */
import { ALERT_STATUSES } from '../model/incident.ts';

const stringMap = {
  type: 'object',
  additionalProperties: { type: 'string' },
};

/** Go marshals nil maps as null; Alertmanager never does for these, other senders might. */
const optionalStringMap = { anyOf: [stringMap, { type: 'null' }] };

const time = { type: 'string', format: 'date-time' };

export const WEBHOOK_ALERT_SCHEMA: Record<string, unknown> = {
  type: 'object',
  required: ['status', 'labels', 'startsAt', 'fingerprint'],
  properties: {
    status: { enum: [...ALERT_STATUSES] },
    labels: stringMap,
    annotations: optionalStringMap,
    startsAt: {
      ...time,
      description: 'When the alert started firing. Go\'s zero time (0001-01-01T00:00:00Z, "unset") is rejected: it cannot tell one firing episode from another.',
    },
    /** `0001-01-01T00:00:00Z` (Go's zero time) means unset. */
    endsAt: { anyOf: [time, { type: 'null' }] },
    generatorURL: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    fingerprint: { type: 'string', minLength: 1, maxLength: 256 },
  },
};

const ENVELOPE_PROPERTIES = {
  version: { const: '4' },
  groupKey: { type: 'string', minLength: 1 },
  truncatedAlerts: { type: 'integer', minimum: 0 },
  status: { enum: [...ALERT_STATUSES] },
  receiver: { type: 'string' },
  groupLabels: optionalStringMap,
  commonLabels: optionalStringMap,
  commonAnnotations: optionalStringMap,
  externalURL: { type: 'string' },
};

/** The body around the alerts: refused whole when it does not match. */
export const WEBHOOK_ENVELOPE_SCHEMA: Record<string, unknown> = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'Alertmanager webhook payload, version 4 (envelope)',
  type: 'object',
  required: ['version', 'groupKey', 'status', 'receiver', 'alerts'],
  properties: { ...ENVELOPE_PROPERTIES, alerts: { type: 'array' } },
};

/** The whole body, as the OpenAPI document publishes it. */
export const WEBHOOK_PAYLOAD_SCHEMA: Record<string, unknown> = {
  ...WEBHOOK_ENVELOPE_SCHEMA,
  title: 'Alertmanager webhook payload, version 4',
  properties: {
    ...ENVELOPE_PROPERTIES,
    alerts: {
      type: 'array',
      items: WEBHOOK_ALERT_SCHEMA,
      description: 'Each alert is read on its own: one that does not match is rejected alone (listed in the answer\'s `rejected`) and the others are processed. A notification none of whose alerts can be read is refused (400).',
    },
  },
};
