/**
 * The OpenAPI 3.1 description of the HTTP API, served at `GET /api/v1/openapi.json`. Request
 * schemas come from api-schemas.ts and the webhook schema, the ones the routes validate with.
 * A test walks the express router and this document and fails when a route is in one only.
 * `x-firebreak-role` names the least operator role an operation needs.
 */
import { ACTION_ITEM_BODY, CLOSE_BODY, LIST_INCIDENTS_QUERY, NOTE_BODY, ROLE_BODY, TIMELINE_QUERY } from './api-schemas.ts';
import { ENGINE_PATHS, ENGINE_SCHEMAS } from './openapi-engine.ts';
import { AUTH_ERRORS, BODY_ERRORS, errorResponse, idParameter, json, NOT_FOUND, nullable, operation, ref, type Json } from './openapi-parts.ts';
import { RESPONDER_PATHS } from './openapi-responders.ts';
import { COMPONENT_SCHEMAS } from './openapi-schemas.ts';

const STORE_ERRORS = { '503': errorResponse('The store is unavailable; retry later.', ['STORE_UNAVAILABLE']) };

/** Query parameters from a query schema's properties (arrays are comma-separated lists). */
function queryParameters(schema: Json): Json[] {
  const properties = schema.properties as Record<string, Json>;
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: 'query',
    required: false,
    schema: property,
    ...(property.type === 'array' ? { style: 'form', explode: false } : {}),
  }));
}

export function buildOpenApiDocument(version: string): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'firebreak',
      version,
      description:
        'Alertmanager webhook receiver and runbook engine for Apache Kafka incidents. Every error ' +
        'answer has the body {statusCode, code, error, message}; clients match on `code`. A method a ' +
        'path does not take answers 405 METHOD_NOT_ALLOWED with an Allow header.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths: {
      '/api/v1/alerts': {
        post: {
          summary: 'Receive an Alertmanager webhook notification (payload version 4).',
          description: 'Answers 200 once the notification is stored durably; processing follows asynchronously.',
          'x-firebreak-role': 'webhook',
          security: [{ webhookToken: [] }, { webhookBasic: [] }],
          requestBody: { required: true, content: json(ref('WebhookPayload')) },
          responses: {
            '200': {
              description: 'Stored; it will be processed.',
              content: json({
                type: 'object',
                required: ['status', 'notificationId', 'alerts', 'rejected'],
                properties: {
                  status: { const: 'accepted' },
                  notificationId: { type: 'integer' },
                  alerts: { type: 'integer', description: 'Alerts that will be processed.' },
                  rejected: {
                    type: 'array',
                    description: 'Alerts left out because they cannot be read; the others are processed.',
                    items: {
                      type: 'object',
                      required: ['index', 'fingerprint', 'path', 'message'],
                      properties: { index: { type: 'integer' }, fingerprint: nullable({ type: 'string' }), path: { type: 'string' }, message: { type: 'string' } },
                    },
                  },
                },
              }),
            },
            '400': errorResponse('Not a valid v4 payload.', ['WEBHOOK_INVALID_JSON', 'WEBHOOK_PAYLOAD_TOO_DEEP', 'WEBHOOK_INVALID_PAYLOAD', 'WEBHOOK_UNSUPPORTED_VERSION']),
            // The webhook is never rate limited: no 429.
            '401': AUTH_ERRORS['401'],
            '403': AUTH_ERRORS['403'],
            '413': errorResponse('Body larger than limits.webhookBodyBytes.', ['WEBHOOK_PAYLOAD_TOO_LARGE']),
            '415': errorResponse('Not application/json.', ['WEBHOOK_UNSUPPORTED_MEDIA_TYPE']),
            '503': errorResponse('Not stored; Alertmanager retries.', ['WEBHOOK_NOT_STORED']),
          },
        },
      },
      '/api/v1/incidents': {
        get: operation('viewer', 'List incidents, newest first.', {
          parameters: queryParameters(LIST_INCIDENTS_QUERY),
          responses: {
            '200': { description: 'A page of incidents.', content: json(ref('IncidentPage')) },
            '400': errorResponse('Bad query (cursor included).', ['API_INVALID_QUERY']),
            ...AUTH_ERRORS,
            ...STORE_ERRORS,
          },
        }),
      },
      '/api/v1/incidents/{id}': {
        get: operation('viewer', 'One incident with its figures, current alert states, roles and action items.', {
          parameters: [idParameter],
          responses: { '200': { description: 'The incident.', content: json(ref('IncidentDetail')) }, ...AUTH_ERRORS, ...NOT_FOUND, ...STORE_ERRORS },
        }),
      },
      '/api/v1/incidents/{id}/timeline': {
        get: operation('viewer', 'Timeline entries in append order, paged by id.', {
          parameters: [idParameter, ...queryParameters(TIMELINE_QUERY)],
          responses: {
            '200': {
              description: 'A page of entries; `nextAfterId` is set when more may follow.',
              content: json({
                type: 'object',
                properties: { items: { type: 'array', items: ref('TimelineEntry') }, nextAfterId: nullable({ type: 'integer' }) },
              }),
            },
            '400': errorResponse('Bad query.', ['API_INVALID_QUERY']),
            ...AUTH_ERRORS,
            ...NOT_FOUND,
          },
        }),
      },
      '/api/v1/incidents/{id}/notes': {
        post: operation('responder', 'Add a note to the timeline.', {
          parameters: [idParameter],
          requestBody: { required: true, content: json(NOTE_BODY) },
          responses: { '201': { description: 'The timeline entry.', content: json(ref('TimelineEntry')) }, ...BODY_ERRORS, ...AUTH_ERRORS, ...NOT_FOUND },
        }),
      },
      '/api/v1/incidents/{id}/roles': {
        post: operation('responder', 'Assign an incident role (replaces the current holder).', {
          parameters: [idParameter],
          requestBody: { required: true, content: json(ROLE_BODY) },
          responses: { '201': { description: 'The assignment.', content: json(ref('RoleAssignment')) }, ...BODY_ERRORS, ...AUTH_ERRORS, ...NOT_FOUND },
        }),
      },
      '/api/v1/incidents/{id}/action-items': {
        post: operation('responder', 'Add a follow-up action item.', {
          parameters: [idParameter],
          requestBody: { required: true, content: json(ACTION_ITEM_BODY) },
          responses: { '201': { description: 'The action item.', content: json(ref('ActionItem')) }, ...BODY_ERRORS, ...AUTH_ERRORS, ...NOT_FOUND },
        }),
      },
      '/api/v1/incidents/{id}/close': {
        post: operation('responder', 'Close the incident (terminal; a new alert opens a new incident).', {
          parameters: [idParameter],
          requestBody: { required: false, content: json(CLOSE_BODY) },
          responses: {
            '200': { description: 'The closed incident.', content: json(ref('Incident')) },
            ...BODY_ERRORS,
            ...AUTH_ERRORS,
            ...NOT_FOUND,
            '409': errorResponse('Already closed.', ['INCIDENT_INVALID_TRANSITION']),
          },
        }),
      },
      '/api/v1/incidents/{id}/postmortem': {
        get: operation('viewer', 'The post-mortem report, Markdown by default.', {
          parameters: [idParameter, { name: 'format', in: 'query', required: false, schema: { enum: ['markdown', 'json'], default: 'markdown' } }],
          responses: {
            '200': {
              description: 'The report.',
              content: { 'text/markdown': { schema: { type: 'string' } }, 'application/json': { schema: { type: 'object' } } },
            },
            '400': errorResponse('Bad query.', ['API_INVALID_QUERY']),
            ...AUTH_ERRORS,
            ...NOT_FOUND,
          },
        }),
      },
      '/api/v1/openapi.json': {
        get: { summary: 'This document.', security: [], responses: { '200': { description: 'OpenAPI 3.1 document.', content: json({ type: 'object' }) } } },
      },
      '/healthz': {
        get: { summary: 'Liveness: the process answers.', security: [], responses: { '200': { description: 'Alive.', content: json({ type: 'object' }) } } },
      },
      '/readyz': {
        get: {
          summary: 'Readiness: the store answers and the server is not shutting down.',
          security: [],
          responses: { '200': { description: 'Ready.', content: json({ type: 'object' }) }, '503': errorResponse('Not ready.', ['NOT_READY']) },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics (text exposition format).',
          security: [],
          responses: { '200': { description: 'Metrics.', content: { 'text/plain': { schema: { type: 'string' } } } } },
        },
      },
      ...ENGINE_PATHS,
      ...RESPONDER_PATHS,
    },
    components: {
      securitySchemes: {
        operatorToken: { type: 'http', scheme: 'bearer', description: 'An operator token (apiTokens) with a role.' },
        webhookToken: { type: 'http', scheme: 'bearer', description: 'webhook.token, as Alertmanager http_config.authorization sends it.' },
        webhookBasic: { type: 'http', scheme: 'basic', description: 'webhook.basicAuth, as Alertmanager http_config.basic_auth sends it.' },
      },
      schemas: { ...COMPONENT_SCHEMAS, ...ENGINE_SCHEMAS },
    },
  };
}
