/**
 * The responders' part of the OpenAPI document (openapi.ts spreads it in): approvals across
 * incidents, status updates, and the incident's event stream.
 */
import { EVENTS_QUERY, STATUS_UPDATE_BODY } from './api-schemas.ts';
import { AUTH_ERRORS, errorResponse, idParameter, json, NOT_FOUND, operation, ref, type Json } from './openapi-parts.ts';


export const RESPONDER_PATHS: Record<string, Json> = {
  '/api/v1/approvals': {
    get: operation('viewer', 'Every step waiting for an approval, across incidents, the one expiring first at the top.', {
      responses: {
        '200': {
          description: 'Approvals waiting, each with `incident` {id, title, status, severity, cluster} and `commander` (null: any responder decides).',
          content: json({ type: 'object', properties: { items: { type: 'array', items: ref('Approval') } } }),
        },
        ...AUTH_ERRORS,
      },
    }),
  },
  '/api/v1/incidents/{id}/status-updates': {
    post: operation('responder', 'Post a status update for stakeholders: on the timeline (status.update) and to the subscribed notification targets.', {
      parameters: [idParameter],
      requestBody: { required: true, content: json(STATUS_UPDATE_BODY) },
      responses: {
        '201': { description: 'The timeline entry.', content: json(ref('TimelineEntry')) },
        '400': errorResponse('Malformed request.', ['API_INVALID_JSON', 'API_INVALID_BODY']),
        '415': errorResponse('Not application/json.', ['API_UNSUPPORTED_MEDIA_TYPE']),
        ...AUTH_ERRORS,
        ...NOT_FOUND,
      },
    }),
  },
  '/api/v1/incidents/{id}/events': {
    get: operation('viewer', 'The timeline as server-sent events: entries after `afterId` (or Last-Event-ID), then each new one as it is committed.', {
      parameters: [idParameter, { name: 'afterId', in: 'query', required: false, schema: (EVENTS_QUERY.properties as Json).afterId }],
      responses: {
        '200': { description: 'An event stream: `id: <entry id>`, `event: timeline`, `data: <TimelineEntry JSON>`.', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        '400': errorResponse('Bad query.', ['API_INVALID_QUERY']),
        ...AUTH_ERRORS,
        ...NOT_FOUND,
      },
    }),
  },
};
