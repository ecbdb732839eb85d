/** JSON Schema fragments shared by the Kafka actions' `paramsSchema`s. */

/** A Kafka topic name: 1..249 of `[A-Za-z0-9._-]`, as the broker accepts them. */
export const TOPIC_NAME = { type: 'string', pattern: '^[A-Za-z0-9._-]{1,249}$' } as const;

/** A non-empty list of distinct topic names. */
export const TOPIC_LIST = { type: 'array', items: TOPIC_NAME, minItems: 1, uniqueItems: true } as const;

/** A broker (node) id. */
export const BROKER_ID = { type: 'integer', minimum: 0 } as const;

/** A quota entity name; `null` is the default entity (every user / every client-id). */
const ENTITY_NAME = { type: ['string', 'null'], minLength: 1, maxLength: 255 } as const;

/** `{ "client-id"?: string|null, user?: string|null }` with at least one of them. */
export const QUOTA_ENTITY = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { user: ENTITY_NAME, 'client-id': ENTITY_NAME },
} as const;
