/**
 * JSON Schemas of the API's request bodies and query strings. The routes validate with them and
 * the OpenAPI document (openapi.ts) publishes them, so the two cannot drift apart.
 */
import { INCIDENT_STATUSES, PHASES, ROLE_NAMES } from '../model/incident.ts';
const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength });

export const INCIDENT_STATUS_VALUES = [...INCIDENT_STATUSES];
export const ROLE_NAME_VALUES = [...ROLE_NAMES];
export const PHASE_VALUES = [...PHASES];

export const NOTE_BODY: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  required: ['text'],
  properties: {
    text: { ...text(10_000), description: 'The note. Tags `why:`, `root-cause:`, `lesson:`, `impact:` feed the post-mortem.' },
    phase: { enum: PHASE_VALUES, description: 'Incident-response phase the note belongs to.' },
  },
};

export const ROLE_BODY: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  required: ['role', 'person'],
  properties: {
    role: { enum: ROLE_NAME_VALUES },
    person: text(200),
  },
};

export const ACTION_ITEM_BODY: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  required: ['title'],
  properties: {
    title: text(500),
    owner: { anyOf: [text(200), { type: 'null' }] },
    dueDate: { anyOf: [{ type: 'string', format: 'date' }, { type: 'null' }], description: 'YYYY-MM-DD' },
  },
};

export const CLOSE_BODY: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    reason: { type: 'string', maxLength: 2_000 },
  },
};

/** Query of `GET /api/v1/incidents`; `status` is a comma-separated list or repeated. */
export const LIST_INCIDENTS_QUERY: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'array', items: { enum: INCIDENT_STATUS_VALUES } },
    cluster: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, maxItems: 50 },
    severity: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, maxItems: 50 },
    since: { type: 'string', format: 'date-time' },
    until: { type: 'string', format: 'date-time' },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string', minLength: 1, maxLength: 512 },
  },
};

export const TIMELINE_QUERY: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    afterId: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
  },
};

export const POSTMORTEM_QUERY: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    format: { enum: ['markdown', 'json'], default: 'markdown' },
  },
};

/** Body of `POST /api/v1/incidents/:id/status-updates`. */
export const STATUS_UPDATE_BODY: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  required: ['known', 'doing'],
  properties: {
    known: { ...text(4_000), description: 'What we know: the impact and what is understood so far.' },
    doing: { ...text(4_000), description: 'What we do about it.' },
    nextUpdateAt: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }], description: 'When the next update comes (RFC 3339).' },
  },
};

/** Query of `GET /api/v1/incidents/:id/events`. */
export const EVENTS_QUERY: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    afterId: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Replay entries after this id first; `Last-Event-ID` wins when sent.' },
  },
};
