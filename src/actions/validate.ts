/**
 * Parameter validation for actions: every action's `paramsSchema` is compiled once with ajv
 * (JSON Schema 2020-12, strict mode, all errors) and every call is checked against it before the
 * action sees its params. Errors name the offending JSON pointer, so a runbook author or an
 * operator at the CLI sees `/entity/client-id: must be string,null` rather than "invalid".
 */
import type { ErrorObject } from 'ajv/dist/2020.js';
import { compileValidator, createAjv, type CompileOptions, type JsonSchemaValidator } from '../core/json-schema.ts';
import { actionError } from './errors.ts';

/** One validation failure: a JSON pointer into the params and what is wrong there. */
export interface ParamsError {
  /** JSON pointer (`/entity/client-id`); `/` for the params object itself. */
  path: string;
  message: string;
}

/** Checks params and returns a validated copy with schema defaults filled in. */
export type ParamsValidator = (params: unknown) => unknown;

/**
 * A compiler bound to one ajv instance (one per registry, never module-global). `compile`
 * throws `ACTION_DEFINITION_INVALID` for a schema ajv rejects in strict mode or one that leaves
 * object properties open.
 */
export interface ParamsCompiler {
  compile(actionName: string, schema: Record<string, unknown>): ParamsValidator;
}

/**
 * How parameter schemas are compiled. `type: ['string', 'null']` is how nullable values (the
 * default quota entity) are spelled. The shipped actions' validators are precompiled with these
 * options (src/core/precompiled/), so a registry of them compiles nothing.
 */
export const ACTION_PARAMS_OPTIONS: CompileOptions = { strict: true, allErrors: true, allowUnionTypes: true, useDefaults: true };

export function createParamsCompiler(): ParamsCompiler {
  // Made on the first schema that is not precompiled (a test's action, a changed schema).
  let ajv: JsonSchemaValidator | undefined;
  const instance = (): JsonSchemaValidator => (ajv ??= createAjv(ACTION_PARAMS_OPTIONS));
  return {
    compile(actionName, schema) {
      assertClosedObjects(actionName, schema, '#');
      let check: ReturnType<typeof compileValidator>;
      try {
        check = compileValidator(schema, ACTION_PARAMS_OPTIONS, instance);
      } catch (err) {
        throw actionError('ACTION_DEFINITION_INVALID', `paramsSchema of ${actionName} is invalid: ${(err as Error).message}`, {
          cause: err,
          details: { action: actionName },
        });
      }
      return (params) => {
        // Validate a copy: ajv fills defaults in place and the caller's object must not change.
        const copy = params === undefined ? {} : structuredClone(params);
        if (check(copy)) return copy;
        const errors = formatAjvErrors(check.errors ?? []);
        const listed = errors.map((e) => `${e.path}: ${e.message}`).join('; ');
        throw actionError('ACTION_PARAMS_INVALID', `invalid params for ${actionName}: ${listed}`, {
          details: { action: actionName, errors },
        });
      };
    },
  };
}

/**
 * Turns ajv's errors into path + message pairs. The pointer includes the offending property for
 * `required` and `additionalProperties` (ajv reports the parent). An `anyOf` whose branches only
 * list required properties (the "set at least one of" idiom) becomes one error naming them.
 */
export function formatAjvErrors(errors: ErrorObject[]): ParamsError[] {
  const collapsed = new Set<ErrorObject>();
  const out: ParamsError[] = [];
  for (const anyOf of errors.filter((e) => e.keyword === 'anyOf')) {
    const branches = errors.filter((e) => e !== anyOf && e.instancePath === anyOf.instancePath && e.schemaPath.startsWith(`${anyOf.schemaPath}/`));
    if (branches.length > 0 && branches.every((e) => e.keyword === 'required')) {
      for (const b of branches) collapsed.add(b);
      collapsed.add(anyOf);
      const names = branches.map((b) => String(b.params['missingProperty']));
      out.push({ path: pointer(anyOf.instancePath), message: `must have at least one of: ${names.join(', ')}` });
    }
  }
  for (const e of errors) {
    if (collapsed.has(e)) continue;
    if (e.keyword === 'required') {
      out.push({ path: pointer(`${e.instancePath}/${escape(String(e.params['missingProperty']))}`), message: 'is required' });
    } else if (e.keyword === 'additionalProperties') {
      out.push({ path: pointer(`${e.instancePath}/${escape(String(e.params['additionalProperty']))}`), message: 'is not allowed (unknown property)' });
    } else if (e.keyword === 'enum') {
      const allowed = (e.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      out.push({ path: pointer(e.instancePath), message: `must be one of ${allowed}` });
    } else {
      out.push({ path: pointer(e.instancePath), message: e.message ?? e.keyword });
    }
  }
  return out;
}

function pointer(path: string): string {
  return path === '' ? '/' : path;
}

function escape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Unknown parameters must be rejected, not ignored: a typo in a runbook (`producerByteRtae`)
 * would otherwise silently do less than its author meant. So the root must be an object schema
 * with `additionalProperties: false`, and every nested `type: object` schema must say what it
 * does with extra keys (`false`, or a schema for map-like values such as topic configs).
 */
function assertClosedObjects(actionName: string, schema: unknown, at: string): void {
  if (typeof schema !== 'object' || schema === null) return;
  const s = schema as Record<string, unknown>;
  const fail = (why: string): never => {
    throw actionError('ACTION_DEFINITION_INVALID', `paramsSchema of ${actionName} at ${at}: ${why}`, {
      details: { action: actionName, at },
    });
  };
  if (at === '#' && (s['type'] !== 'object' || s['additionalProperties'] !== false)) {
    fail('the root must be `type: object` with `additionalProperties: false`');
  }
  if (s['type'] === 'object' && (s['additionalProperties'] === undefined || s['additionalProperties'] === true)) {
    fail('an object schema must set `additionalProperties` to false or to a schema');
  }
  for (const [key, value] of Object.entries(s)) {
    if (Array.isArray(value)) value.forEach((v, i) => assertClosedObjects(actionName, v, `${at}/${key}/${i}`));
    else if (typeof value === 'object' && value !== null) assertClosedObjects(actionName, value, `${at}/${key}`);
  }
}
