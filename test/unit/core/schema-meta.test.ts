/**
 * Every JSON Schema firebreak compiles is valid against its meta-schema. ajv does not check this
 * when firebreak compiles them (src/core/json-schema.ts: it cost most of the start-up), so it is
 * checked here, once, for each of them: the configuration, the runbook document, the webhook
 * payload, the API's bodies and queries, and every shipped action's parameters.
 */
import { expect } from 'chai';
import { Ajv as AjvDraft07 } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createActionRegistry } from '../../../src/actions/catalogue.ts';
import { CONFIG_SCHEMA } from '../../../src/config/schema.ts';
import { createAjv } from '../../../src/core/json-schema.ts';
import * as apiSchemas from '../../../src/http/api-schemas.ts';
import * as engineSchemas from '../../../src/http/engine-schemas.ts';
import { WEBHOOK_ALERT_SCHEMA, WEBHOOK_ENVELOPE_SCHEMA, WEBHOOK_PAYLOAD_SCHEMA } from '../../../src/ingest/payload-schema.ts';
import { RUNBOOK_SCHEMA } from '../../../src/runbooks/schema.ts';

/** The exported values of a module that are schemas (objects with a `type`). */
function schemasOf(module: Record<string, unknown>): Array<[string, Record<string, unknown>]> {
  return Object.entries(module).filter((entry): entry is [string, Record<string, unknown>] => typeof entry[1] === 'object' && entry[1] !== null && !Array.isArray(entry[1]) && 'type' in entry[1]);
}

/** The meta-schema's problems with `schema`, as ajv reports them; empty when valid. */
function metaProblems(schema: Record<string, unknown>, draft: '2020-12' | 'draft-07' = '2020-12'): string[] {
  const ajv = draft === 'draft-07' ? new AjvDraft07({ strict: false, keywords: ['example'] }) : new Ajv2020({ strict: false, keywords: ['example'] });
  return ajv.validateSchema(schema) === true ? [] : (ajv.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? e.keyword}`);
}

describe('JSON Schemas against their meta-schemas', () => {
  it('finds what is wrong with a schema (the check can fail)', () => {
    expect(metaProblems({ type: 'object', properties: { n: { type: 'integr' } } })).to.not.deep.equal([]);
    expect(metaProblems({ type: 'object', required: 'name' }, 'draft-07')).to.not.deep.equal([]);
  });

  it('firebreak compiles schemas without the meta-schema check, so nothing else catches a broken one', () => {
    // A keyword's value ajv's own code reads is still checked when compiling; an annotation is not.
    const broken = { type: 'object', title: 5, properties: {} };
    expect(metaProblems(broken)).to.not.deep.equal([]);
    expect(() => createAjv().compile(broken)).to.not.throw();
  });

  it('the configuration, runbook and webhook schemas are valid', () => {
    expect(metaProblems(CONFIG_SCHEMA), 'config').to.deep.equal([]);
    expect(metaProblems(RUNBOOK_SCHEMA as Record<string, unknown>, 'draft-07'), 'runbook').to.deep.equal([]);
    for (const [name, schema] of Object.entries({ WEBHOOK_ALERT_SCHEMA, WEBHOOK_ENVELOPE_SCHEMA, WEBHOOK_PAYLOAD_SCHEMA })) {
      expect(metaProblems(schema), name).to.deep.equal([]);
    }
  });

  it("the API's body and query schemas are valid", () => {
    const schemas = [...schemasOf(apiSchemas), ...schemasOf(engineSchemas)];
    expect(schemas.length).to.be.greaterThan(10);
    for (const [name, schema] of schemas) expect(metaProblems(schema), name).to.deep.equal([]);
  });

  it("every shipped action's parameter schema is valid", () => {
    const actions = createActionRegistry().list();
    expect(actions.length).to.be.greaterThan(10);
    for (const action of actions) expect(metaProblems(action.paramsSchema), action.name).to.deep.equal([]);
  });
});
