/**
 * Component schemas of the OpenAPI document (openapi.ts): the shapes the API answers with, and
 * the webhook payload schema the webhook validates with.
 */
import { WEBHOOK_PAYLOAD_SCHEMA } from '../ingest/payload-schema.ts';
import { INCIDENT_STATUS_VALUES, PHASE_VALUES, ROLE_NAME_VALUES } from './api-schemas.ts';
import { ALERT_STATUSES } from '../model/incident.ts';

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: Json) => ({ anyOf: [schema, { type: 'null' }] });
const time = { type: 'string', format: 'date-time' };
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };

function withoutSchemaKeyword(schema: Json): Json {
  const { $schema: _ignored, ...rest } = schema;
  return rest;
}

export const COMPONENT_SCHEMAS: Record<string, Json> = {
  Error: {
    type: 'object',
    required: ['statusCode', 'code', 'error', 'message'],
    properties: {
      statusCode: { type: 'integer' },
      code: { type: 'string', description: 'Stable error code (docs/errors.md).' },
      error: { type: 'string', description: 'HTTP reason phrase.' },
      message: { type: 'string' },
      details: { type: 'object', description: 'Context such as the offending `path`.' },
    },
  },
  WebhookPayload: withoutSchemaKeyword(WEBHOOK_PAYLOAD_SCHEMA),
  Incident: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      key: { type: 'string' },
      title: { type: 'string' },
      severity: nullable({ type: 'string' }),
      cluster: nullable({ type: 'string' }),
      status: { enum: INCIDENT_STATUS_VALUES },
      runbook: nullable({ type: 'string' }),
      labels: stringMap,
      startedAt: time,
      openedAt: time,
      containedAt: nullable(time),
      resolvedAt: nullable(time),
      recoveredAt: nullable(time),
      closedAt: nullable(time),
      updatedAt: time,
    },
  },
  IncidentPage: {
    type: 'object',
    properties: {
      items: {
        type: 'array',
        items: {
          allOf: [ref('Incident')],
          properties: {
            pendingApprovals: { type: 'integer', description: 'Steps waiting for an approval.' },
            containmentsInForce: { type: 'integer', description: 'Changes firebreak made that are still in place.' },
          },
        },
      },
      nextCursor: nullable({ type: 'string' }),
    },
  },
  Alert: {
    type: 'object',
    properties: {
      fingerprint: { type: 'string' },
      status: { enum: [...ALERT_STATUSES] },
      labels: stringMap,
      annotations: stringMap,
      startsAt: time,
      endsAt: nullable(time),
      generatorURL: nullable({ type: 'string' }),
    },
  },
  IncidentDetail: {
    type: 'object',
    properties: {
      incident: ref('Incident'),
      figures: {
        type: 'object',
        description: 'Milliseconds; null when not reached (definitions in docs/incidents.md).',
        additionalProperties: nullable({ type: 'number' }),
      },
      alerts: { type: 'array', items: ref('Alert'), description: 'Current state of each alert.' },
      roles: { type: 'array', items: ref('RoleAssignment') },
      actionItems: { type: 'array', items: ref('ActionItem') },
      approvals: { type: 'array', items: ref('Approval'), description: 'Steps waiting for a responder to approve or reject them.' },
      containments: { type: 'array', items: ref('Containment'), description: 'Changes firebreak made that are still in place, newest first.' },
    },
  },
  Containment: {
    type: 'object',
    description: 'A change still in place, with the prior state a revert restores.',
    properties: {
      claimId: { type: 'integer' },
      stepId: { type: 'string' },
      runbook: { type: 'string' },
      action: { type: 'string' },
      params: { type: 'object' },
      plan: { description: 'The changes as planned: resource, key, from, to.' },
      prior: { description: 'What the action recorded before changing anything.' },
      applied: {},
      appliedAt: time,
      revert: { type: 'string' },
      status: { enum: ['succeeded', 'interrupted'] },
      revertStatus: nullable({ type: 'string' }),
      revertDetail: {},
      release: {
        type: 'object',
        description: 'How the change is let go and how far that has got (docs/engine.md, Releases).',
        properties: {
          mode: { enum: ['on-resolve', 'when-recovered', 'gradual', 'manual', 'never'] },
          status: { enum: ['in-force', 'releasing', 'retrying', 'failed', 'held'] },
          level: { type: 'integer', description: 'Levels relaxed so far by a gradual release.' },
          tooEarly: { type: 'integer', description: "Re-fires firebreak's releases caused in this episode." },
          nextAt: nullable(time),
          attempts: { type: 'integer' },
          lastError: nullable({ type: 'string' }),
        },
      },
    },
  },
  TimelineEntry: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      incidentId: { type: 'string' },
      at: time,
      phase: nullable({ enum: PHASE_VALUES }),
      kind: { type: 'string' },
      actor: { type: 'string' },
      summary: { type: 'string' },
      data: { type: 'object' },
    },
  },
  RoleAssignment: {
    type: 'object',
    properties: { role: { enum: ROLE_NAME_VALUES }, person: { type: 'string' }, assignedAt: time, assignedBy: { type: 'string' } },
  },
  ActionItem: {
    type: 'object',
    properties: {
      id: { type: 'integer' },
      incidentId: { type: 'string' },
      title: { type: 'string' },
      owner: nullable({ type: 'string' }),
      dueDate: nullable({ type: 'string' }),
      createdAt: time,
      createdBy: { type: 'string' },
    },
  },
};
