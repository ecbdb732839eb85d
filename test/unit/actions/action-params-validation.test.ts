import { expect } from 'chai';
import { ActionRegistry } from '../../../src/actions/registry.ts';
import type { Action } from '../../../src/actions/types.ts';
import { FirebreakError } from '../../../src/errors.ts';

function action(name: string, paramsSchema: Record<string, unknown>, extra: Partial<Action> = {}): Action {
  return {
    name,
    description: `test action ${name}`,
    mutating: false,
    defaultRevert: 'never',
    paramsSchema,
    plan: async () => ({ summary: 'nothing', changes: [], touches: { topics: [], clients: [] } }),
    execute: async () => ({ output: null }),
    ...extra,
  };
}

const quotaLike = {
  type: 'object',
  additionalProperties: false,
  required: ['entity'],
  properties: {
    entity: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: { 'client-id': { type: ['string', 'null'] }, user: { type: ['string', 'null'] } },
    },
    rate: { type: 'integer', minimum: 0 },
    burst: { type: 'integer' },
    top: { type: 'integer', default: 10 },
  },
  anyOf: [
    { properties: { rate: true }, required: ['rate'] },
    { properties: { burst: true }, required: ['burst'] },
  ],
};

function invalid(fn: () => unknown): FirebreakError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(FirebreakError);
    return err as FirebreakError;
  }
  expect.fail('expected a FirebreakError');
}

describe('action params validation', () => {
  it('accepts valid params and returns a copy with defaults, leaving the input untouched', () => {
    const registry = new ActionRegistry().register(action('test.quota', quotaLike));
    const input = { entity: { 'client-id': null }, rate: 5 };
    const out = registry.validateParams('test.quota', input);
    expect(out).to.deep.equal({ entity: { 'client-id': null }, rate: 5, top: 10 });
    expect(input).to.deep.equal({ entity: { 'client-id': null }, rate: 5 });
  });

  it('rejects an unknown nested property naming its path', () => {
    const registry = new ActionRegistry().register(action('test.quota', quotaLike));
    const err = invalid(() => registry.validateParams('test.quota', { entity: { clientId: 'app' }, rate: 5 }));
    expect(err.code).to.equal('ACTION_PARAMS_INVALID');
    expect(err.statusCode).to.equal(400);
    expect(err.message).to.include('/entity/clientId');
    expect(err.details?.['errors']).to.deep.include({ path: '/entity/clientId', message: 'is not allowed (unknown property)' });
  });

  it('reports every problem at once: missing property, wrong type, value out of range', () => {
    const registry = new ActionRegistry().register(action('test.quota', quotaLike));
    const err = invalid(() => registry.validateParams('test.quota', { rate: -1, burst: 'x' }));
    const errors = err.details?.['errors'] as Array<{ path: string; message: string }>;
    expect(errors).to.deep.include({ path: '/entity', message: 'is required' });
    expect(errors).to.deep.include({ path: '/rate', message: 'must be >= 0' });
    expect(errors).to.deep.include({ path: '/burst', message: 'must be integer' });
    expect(err.message).to.include('/entity: is required').and.to.include('/rate: must be >= 0');
  });

  it('turns the "at least one of" idiom into a single error listing the choices', () => {
    const registry = new ActionRegistry().register(action('test.quota', quotaLike));
    const err = invalid(() => registry.validateParams('test.quota', { entity: { user: 'alice' } }));
    expect(err.details?.['errors']).to.deep.equal([{ path: '/', message: 'must have at least one of: rate, burst' }]);
  });

  it('treats missing params as an empty object', () => {
    const registry = new ActionRegistry().register(action('test.none', { type: 'object', additionalProperties: false, properties: {} }));
    expect(registry.validateParams('test.none', undefined)).to.deep.equal({});
    const err = invalid(() => registry.validateParams('test.none', { extra: 1 }));
    expect(err.details?.['errors']).to.deep.equal([{ path: '/extra', message: 'is not allowed (unknown property)' }]);
  });

  it('compiles each schema when the action is registered, not per call', () => {
    const schema: Record<string, unknown> = { type: 'object', additionalProperties: false, properties: { n: { type: 'integer' } } };
    const registry = new ActionRegistry().register(action('test.once', schema));
    // Changing the schema object afterwards has no effect: the compiled validator is kept.
    (schema['properties'] as Record<string, unknown>)['n'] = { type: 'string' };
    expect(registry.validateParams('test.once', { n: 3 })).to.deep.equal({ n: 3 });
  });
});

describe('action registry', () => {
  it('finds actions by name and lists them sorted with their kind', () => {
    const registry = new ActionRegistry()
      .register(action('test.zeta', { type: 'object', additionalProperties: false, properties: {} }))
      .register(action('test.alpha', { type: 'object', additionalProperties: false, properties: {} }));
    expect(registry.has('test.alpha')).to.equal(true);
    expect(registry.get('test.zeta').name).to.equal('test.zeta');
    expect(registry.list().map((a) => [a.name, a.mutating, a.reversible])).to.deep.equal([
      ['test.alpha', false, false],
      ['test.zeta', false, false],
    ]);
  });

  it('answers ACTION_UNKNOWN (404) for a name it does not know, listing the known ones', () => {
    const registry = new ActionRegistry().register(action('test.alpha', { type: 'object', additionalProperties: false, properties: {} }));
    for (const call of [() => registry.get('test.beta'), () => registry.validateParams('test.beta', {})]) {
      const err = invalid(call);
      expect(err.code).to.equal('ACTION_UNKNOWN');
      expect(err.statusCode).to.equal(404);
      expect(err.details?.['known']).to.deep.equal(['test.alpha']);
    }
  });

  it('refuses a second action with the same name', () => {
    const registry = new ActionRegistry().register(action('test.alpha', { type: 'object', additionalProperties: false, properties: {} }));
    const err = invalid(() => registry.register(action('test.alpha', { type: 'object', additionalProperties: false, properties: {} })));
    expect(err.code).to.equal('ACTION_DUPLICATE');
  });

  it('refuses schemas that would let unknown params through or that ajv rejects in strict mode', () => {
    const registry = new ActionRegistry();
    const open = invalid(() => registry.register(action('test.open', { type: 'object', properties: {} })));
    expect(open.code).to.equal('ACTION_DEFINITION_INVALID');
    const nested = invalid(() =>
      registry.register(action('test.nested', { type: 'object', additionalProperties: false, properties: { e: { type: 'object', properties: {} } } })),
    );
    expect(nested.code).to.equal('ACTION_DEFINITION_INVALID');
    expect(nested.message).to.include('#/properties/e');
    const unknownKeyword = invalid(() =>
      registry.register(action('test.typo', { type: 'object', additionalProperties: false, properties: { n: { type: 'integer', minimun: 1 } } })),
    );
    expect(unknownKeyword.code).to.equal('ACTION_DEFINITION_INVALID');
    expect(unknownKeyword.message).to.include('minimun');
    expect(registry.has('test.typo')).to.equal(false);
  });

  it('refuses malformed names and a revert mode without a revert function', () => {
    const registry = new ActionRegistry();
    const schema = { type: 'object', additionalProperties: false, properties: {} };
    expect(invalid(() => registry.register(action('Kafka.Bad Name', schema))).code).to.equal('ACTION_DEFINITION_INVALID');
    expect(invalid(() => registry.register(action('test.noRevert', schema, { mutating: true, defaultRevert: 'on-resolve' }))).code).to.equal(
      'ACTION_DEFINITION_INVALID',
    );
  });
});
