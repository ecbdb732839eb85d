/**
 * A small, real action catalogue for runbook tests: actions with the names and parameter
 * schemas of firebreak's Kafka actions (trimmed), plus `test.wait` and `test.change`, held in a
 * map. The loader only reads name, mutating, defaultRevert, paramsSchema and whether `revert`
 * exists, so this is the same object shape the action registry hands out.
 */
import type { ActionCatalog, ActionInfo } from '../../../../src/runbooks/params.ts';

const TOPIC = { type: 'string', pattern: '^[A-Za-z0-9._-]{1,249}$' };
const ENTITY_NAME = { type: ['string', 'null'], minLength: 1 };

async function noRevert(): Promise<{ status: 'already-reverted' }> {
  return { status: 'already-reverted' };
}

export const TEST_ACTIONS: readonly ActionInfo[] = [
  {
    name: 'kafka.consumerGroupLag',
    mutating: false,
    defaultRevert: 'never',
    paramsSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['group'],
      properties: { group: { type: 'string', minLength: 1 }, topics: { type: 'array', items: TOPIC, minItems: 1 } },
    },
  },
  {
    name: 'kafka.setClientQuota',
    mutating: true,
    defaultRevert: 'on-resolve',
    revert: noRevert,
    relax: () => null,
    paramsSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['entity'],
      properties: {
        entity: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { user: ENTITY_NAME, 'client-id': ENTITY_NAME },
        },
        producerByteRate: { type: 'integer', minimum: 0 },
        consumerByteRate: { type: 'integer', minimum: 0 },
      },
      anyOf: [{ required: ['producerByteRate'] }, { required: ['consumerByteRate'] }],
    },
  },
  {
    name: 'kafka.setTopicConfig',
    mutating: true,
    defaultRevert: 'on-resolve',
    revert: noRevert,
    paramsSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['topic', 'configs'],
      properties: {
        topic: TOPIC,
        configs: { type: 'object', minProperties: 1, additionalProperties: { type: ['string', 'number', 'boolean'] } },
      },
    },
  },
  {
    name: 'test.wait',
    mutating: false,
    defaultRevert: 'never',
    paramsSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['for'],
      properties: { for: { type: 'string', pattern: '^[0-9]+(ms|s|m)$' } },
    },
  },
  {
    // A change that cannot be undone.
    name: 'test.change',
    mutating: true,
    defaultRevert: 'never',
    paramsSchema: { type: 'object', additionalProperties: false, properties: { note: { type: 'string' } } },
  },
];

/** The catalogue: a map from name to action. */
export class TestCatalog implements ActionCatalog {
  readonly #actions: Map<string, ActionInfo>;
  constructor(actions: readonly ActionInfo[] = TEST_ACTIONS) {
    this.#actions = new Map(actions.map((a) => [a.name, a]));
  }
  get(name: string): ActionInfo | undefined {
    return this.#actions.get(name);
  }
}
