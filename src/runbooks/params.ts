/**
 * Step parameters against their action's JSON Schema, twice:
 *
 * 1. at load time, on the parameters as written: values that are templates are not known yet, so
 *    problems at or below a templated value are ignored (and so are combinator problems such as
 *    `oneOf` above one), while literal mistakes (a missing key, an unknown key, a string where a
 *    number belongs) fail the load;
 * 2. when the step runs, on the rendered parameters ({@link renderStepParams}): everything is
 *    checked by the action's own validator, the action registry's (`validateParams`), which
 *    also fills in the schema's defaults: the engine, `firebreak simulate` and `firebreak action`
 *    hand an action exactly the same parameters.
 */
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { compileValidator, createAjv, type CompileOptions, type JsonSchemaValidator } from '../core/json-schema.ts';
import type { LimitRefusal, RevertMode, SafetyLimits } from '../actions/types.ts';
import { FirebreakError } from '../errors.ts';
import { displayPath, runbookError } from './diagnostics.ts';
import { isTemplate, type TemplateContext, type TemplateEngine } from './template.ts';
import type { RunbookStep } from './types.ts';
import { escapePointer } from './yaml-source.ts';

/** What the loader needs to know about an action. The action registry satisfies it. */
export interface ActionInfo {
  name: string;
  mutating: boolean;
  defaultRevert: RevertMode;
  paramsSchema: Record<string, unknown>;
  /** Present (a function) when the action can undo its change. */
  revert?: unknown;
  /** Present (a function) when the action can release its change gradually. */
  relax?: unknown;
  /** The hard limits' refusals of the values present in `params` (Action.limitRefusals). */
  limitRefusals?(params: Record<string, unknown>, limits: SafetyLimits): LimitRefusal[];
}

/** Anything that finds actions by name: the action registry, or a small one in tests. */
export interface ActionCatalog {
  get(name: string): ActionInfo | undefined;
}

/**
 * A catalogue over the action registry, whose `get` throws for unknown names (ACTION_UNKNOWN)
 * where the loader wants `undefined`.
 */
export function catalogFromRegistry(registry: { has(name: string): boolean; get(name: string): ActionInfo }): ActionCatalog {
  return { get: (name) => (registry.has(name) ? registry.get(name) : undefined) };
}

/** One parameter problem: JSON pointer inside the parameters and a message. */
export interface ParamProblem {
  pointer: string;
  message: string;
}

/** Keywords whose failure is about the object itself, not about the values inside it. */
const STRUCTURAL = new Set([
  'required',
  'additionalProperties',
  'unevaluatedProperties',
  'propertyNames',
  'minProperties',
  'maxProperties',
  'minItems',
  'maxItems',
  'dependentRequired',
  'dependencies',
  'type',
]);

/** How parameters as written are checked. Lenient about unknown keywords: the registry owns the strict check of its schemas. */
export const LITERAL_PARAMS_OPTIONS: CompileOptions = { allErrors: true, strict: false };

/**
 * Compiles action parameter schemas once each and checks parameters as written in a runbook
 * (load time, templated values left out). Rendered parameters are checked by the action
 * registry's validator instead ({@link RenderDeps.validateParams}).
 */
export class ParamsValidator {
  /** Made on the first schema that is not precompiled (a test's action, a changed schema). */
  #ajv: JsonSchemaValidator | undefined;
  readonly #precompiled: boolean;
  readonly #compiled = new WeakMap<object, ValidateFunction>();

  /**
   * The shipped actions' validators are precompiled (src/core/precompiled/); `precompiled: false`
   * compiles every schema with ajv instead (tests compare the two).
   */
  constructor({ precompiled = true }: { precompiled?: boolean } = {}) {
    this.#precompiled = precompiled;
  }

  #compile(schema: Record<string, unknown>): ValidateFunction {
    let fn = this.#compiled.get(schema);
    if (fn === undefined) {
      const ajv = (): JsonSchemaValidator => (this.#ajv ??= createAjv(LITERAL_PARAMS_OPTIONS));
      fn = this.#precompiled ? compileValidator(schema, LITERAL_PARAMS_OPTIONS, ajv) : ajv().compile(schema);
      this.#compiled.set(schema, fn);
    }
    return fn;
  }

  /** Problems of parameters as written, ignoring what templates may still change. */
  validateLiteral(schema: Record<string, unknown>, params: unknown): ParamProblem[] {
    const fn = this.#compile(schema);
    if (fn(params)) return [];
    const templated = templatedPointers(params, '');
    const all = fn.errors ?? [];
    const errors = all.filter((e) => !dependsOnTemplate(e, templated, all));
    return describe(errors);
  }
}

function templatedPointers(value: unknown, pointer: string, out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (isTemplate(value)) out.push(pointer);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => templatedPointers(item, `${pointer}/${i}`, out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) templatedPointers(v, `${pointer}/${escapePointer(k)}`, out);
  }
  return out;
}

function isAtOrBelow(pointer: string, ancestor: string): boolean {
  return pointer === ancestor || pointer.startsWith(`${ancestor}/`);
}

const COMBINATORS = new Set(['anyOf', 'oneOf']);

/** Errors reported for the branches of combinator `c` (ajv lists them next to it). */
function branchesOf(c: ErrorObject, errors: ErrorObject[]): ErrorObject[] {
  return errors.filter((e) => e !== c && e.schemaPath.startsWith(`${c.schemaPath}/`));
}

/**
 * Whether an error may disappear once templates are rendered: it sits at or below a templated
 * value, or it judges the values inside an object that holds one (`const`, `not`...). A
 * combinator depends on templates when one of its branch errors does: `anyOf` of `required`
 * branches (the "set at least one of" idiom) is about keys, and keys are never templated.
 */
function dependsOnTemplate(error: ErrorObject, templated: string[], errors: ErrorObject[]): boolean {
  if (templated.some((t) => isAtOrBelow(error.instancePath, t))) return true;
  if (STRUCTURAL.has(error.keyword)) return false;
  if (COMBINATORS.has(error.keyword)) {
    const branches = branchesOf(error, errors);
    if (branches.length > 0) return branches.some((b) => dependsOnTemplate(b, templated, errors));
  }
  return templated.some((t) => isAtOrBelow(t, error.instancePath));
}

function describe(errors: ErrorObject[]): ParamProblem[] {
  const seen = new Set<string>();
  const out: ParamProblem[] = [];
  const push = (problem: ParamProblem): void => {
    const key = `${problem.pointer}\u0000${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(problem);
    }
  };
  // "At least one of" (a combinator whose branches only miss required keys) becomes one
  // message instead of one "missing" per alternative. ajv lists branches before their
  // combinator, so find them all first.
  const collapsed = new Map<ErrorObject, string>();
  const hidden = new Set<ErrorObject>();
  for (const e of errors) {
    if (!COMBINATORS.has(e.keyword)) continue;
    const branches = branchesOf(e, errors);
    if (branches.length > 0 && branches.every((b) => b.keyword === 'required' && b.instancePath === e.instancePath)) {
      for (const b of branches) hidden.add(b);
      collapsed.set(e, `needs at least one of ${branches.map((b) => `"${String(b.params.missingProperty)}"`).join(', ')}`);
    }
  }
  for (const e of errors) {
    if (hidden.has(e)) continue;
    const params = e.params as Record<string, unknown>;
    const summary = collapsed.get(e);
    if (summary !== undefined) {
      push({ pointer: e.instancePath, message: summary });
      continue;
    }
    if (e.keyword === 'additionalProperties') {
      push({ pointer: `${e.instancePath}/${escapePointer(String(params.additionalProperty))}`, message: 'unknown parameter' });
    } else if (e.keyword === 'required') {
      push({ pointer: e.instancePath, message: `missing required parameter "${String(params.missingProperty)}"` });
    } else if (e.keyword === 'enum') {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      push({ pointer: e.instancePath, message: `must be one of ${allowed}` });
    } else {
      push({ pointer: e.instancePath, message: e.message ?? e.keyword });
    }
  }
  return out;
}

export interface RenderDeps {
  templates: TemplateEngine;
  catalog: ActionCatalog;
  /**
   * The action's validator (the action registry's `validateParams`): returns a copy of the
   * parameters with the schema's defaults filled in, or throws ACTION_PARAMS_INVALID.
   */
  validateParams(action: string, params: unknown): unknown;
}

/** The registry's parameter error, as the loader's problems (pointer `` for the object itself). */
function paramProblems(err: FirebreakError): ParamProblem[] {
  const errors = (err.details?.errors ?? []) as Array<{ path: string; message: string }>;
  return errors.map((e) => ({ pointer: e.path === '/' ? '' : e.path, message: e.message }));
}

/**
 * Renders a step's `with` on the given data and validates the result with the action's own
 * validator, which fills in the schema's defaults. The engine calls it right before planning a
 * step; the result is what the action receives.
 *
 * @throws FirebreakError RUNBOOK_TEMPLATE (undefined variable, render error; details carry
 *   `step` and `variable`), RUNBOOK_INVALID_PARAMS (rendered values break the schema; details
 *   carry `step` and `problems`), RUNBOOK_UNKNOWN_ACTION (the action vanished since loading).
 */
export function renderStepParams(step: RunbookStep, context: TemplateContext, deps: RenderDeps): Record<string, unknown> {
  const action = deps.catalog.get(step.action);
  if (action === undefined) {
    throw runbookError('RUNBOOK_UNKNOWN_ACTION', `step "${step.id}": unknown action "${step.action}"`, {
      statusCode: 422,
      details: { step: step.id, action: step.action },
    });
  }
  let rendered: unknown;
  try {
    rendered = deps.templates.renderValue(step.with, context, `step "${step.id}" with`);
  } catch (err) {
    if (err instanceof FirebreakError) {
      throw new FirebreakError(err.code, err.message, {
        statusCode: err.statusCode,
        cause: err.cause,
        details: { ...err.details, step: step.id },
      });
    }
    throw err;
  }
  try {
    return deps.validateParams(step.action, rendered) as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof FirebreakError) || err.code !== 'ACTION_PARAMS_INVALID') throw err;
    const problems = paramProblems(err);
    const text = problems.map((p) => `${p.pointer === '' ? '' : `${displayPath(p.pointer)}: `}${p.message}`).join('; ');
    throw runbookError('RUNBOOK_INVALID_PARAMS', `step "${step.id}": rendered parameters for ${step.action} are invalid: ${text}`, {
      statusCode: 422,
      cause: err,
      details: { step: step.id, action: step.action, problems },
    });
  }
}
