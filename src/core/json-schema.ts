/**
 * JSON Schema validation, one way for every boundary firebreak owns (config, webhook payload, API
 * bodies and queries, runbook documents, action parameters): one factory of ajv instances
 * ({@link createAjv}: draft 2020-12 unless a document says draft-07, with formats), one way to
 * get a schema's validator ({@link compileValidator}: precompiled when the schema is one of
 * those generated into src/core/precompiled/, see docs/precompiled-validators.md, else
 * compiled), and one way to turn ajv's errors into a short, path-first message an operator can
 * act on.
 *
 * ajv itself (about 90 modules) is loaded on the first compile, not with this module: a command
 * whose schemas are all precompiled (`firebreak validate`) never loads it.
 */
import { createRequire } from 'node:module';
import type { Ajv as AjvDraft07 } from 'ajv';
import type { Ajv2020, ErrorObject, Options as AjvOptions, ValidateFunction } from 'ajv/dist/2020.js';
import { precompiledValidator } from './precompiled/index.ts';

/** One problem found in a document: a JSON pointer into it and what is wrong there. */
export interface SchemaProblem {
  /** JSON pointer of the offending value (`/alerts/3/labels`), `` for the root. */
  path: string;
  message: string;
}

/** A compiled schema: returns the problems found (empty when valid). */
export type SchemaCheck = (value: unknown) => SchemaProblem[];

export interface CompileOptions {
  /** Fill in `default` values while validating (mutates the value). */
  useDefaults?: boolean;
  /** Coerce scalar strings to the declared type (query strings). */
  coerceTypes?: boolean | 'array';
  /** Report every problem instead of stopping at the first. */
  allErrors?: boolean;
  /**
   * ajv's strict mode (unknown keywords and formats fail compilation). Default true; false only
   * where schemas are someone else's to check (the action registry checks action schemas).
   */
  strict?: boolean;
  /** ajv's `strictTypes` (default: as `strict`); off where `enum` without `type` is deliberate. */
  strictTypes?: boolean;
  /** `type: ['string', 'null']` is allowed (how nullable values are spelled). Default false. */
  allowUnionTypes?: boolean;
  /** Keep the schema and data of a failing keyword on the error (for tailored messages). */
  verbose?: boolean;
  /** The JSON Schema draft: `2020-12` (default) or `draft-07` (the runbook schema, for editors). */
  draft?: '2020-12' | 'draft-07';
}

/** An ajv instance, of whichever draft. */
export type JsonSchemaValidator = Ajv2020 | AjvDraft07;

/** ajv and its formats plugin (CommonJS), loaded on first use. */
interface AjvModules {
  Ajv2020: typeof Ajv2020;
  AjvDraft07: typeof AjvDraft07;
  addFormats: (ajv: JsonSchemaValidator) => JsonSchemaValidator;
  /** ajv's code template tag, for the standalone code's reference to the formats. */
  code: typeof import('ajv')._;
}

let modules: AjvModules | undefined;

function ajvModules(): AjvModules {
  if (modules === undefined) {
    const require = createRequire(import.meta.url);
    const draft07 = require('ajv') as typeof import('ajv');
    // ajv-formats is CommonJS; its plugin is the module's default export.
    const formats = require('ajv-formats') as { default: AjvModules['addFormats'] };
    modules = {
      Ajv2020: (require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js')).Ajv2020,
      AjvDraft07: draft07.Ajv,
      addFormats: formats.default,
      code: draft07._,
    };
  }
  return modules;
}

/**
 * The options that decide what a schema's validator does, each with its default filled in, in a
 * fixed order: two option objects that compile the same code give the same key. Precompiled
 * validators are looked up by this key and the schema.
 */
export function optionsKey(options: CompileOptions): string {
  return JSON.stringify([
    options.draft ?? '2020-12',
    options.allErrors ?? false,
    options.useDefaults ?? false,
    options.coerceTypes ?? false,
    options.strict ?? true,
    options.strictTypes ?? options.strict ?? true,
    options.allowUnionTypes ?? false,
    options.verbose ?? false,
  ]);
}

/**
 * Builds an ajv instance with the formats firebreak uses (date-time, date, uri...). Every ajv
 * instance of firebreak comes from here; none is module-global: each owner compiles its
 * schemas once and keeps the instance. `standalone` makes an instance whose validators can be
 * written out as code (scripts/validators/generate.ts); they validate exactly as the
 * validators of an instance made with the same `options`.
 */
export function createAjv(options: CompileOptions = {}, { standalone = false } = {}): JsonSchemaValidator {
  const { Ajv2020, AjvDraft07, addFormats, code } = ajvModules();
  const ajvOptions: AjvOptions = {
    allErrors: options.allErrors ?? false,
    useDefaults: options.useDefaults ?? false,
    coerceTypes: options.coerceTypes ?? false,
    strict: options.strict ?? true,
    ...(options.strictTypes === undefined ? {} : { strictTypes: options.strictTypes }),
    ...(options.allowUnionTypes === true ? { allowUnionTypes: true } : {}),
    ...(options.verbose === true ? { verbose: true } : {}),
    // `example` and `examples` are documentation for the OpenAPI document, not rules.
    keywords: ['example'],
    // No check of each schema against its meta-schema when it is compiled: every schema
    // firebreak compiles is a constant of its source, checked against its meta-schema once by a
    // unit test (test/unit/core/schema-meta.test.ts). At every start that check compiled the
    // meta-schema anew in each ajv instance, most of the cost of compiling (0.4 s of serve's
    // start-up, its 19 API validators each an instance). Strict mode still rejects an unknown
    // keyword when a schema is compiled.
    validateSchema: false,
    // Nor ajv's optimisation passes over the generated code: they cost more at start-up than
    // they save on validations of these small schemas.
    // Standalone code: a CommonJS module, one line per statement (readable diffs), finding the
    // formats in ajv-formats as this instance does.
    code: standalone
      ? { optimize: false, source: true, lines: true, formats: code`require("ajv-formats/dist/formats").fullFormats` }
      : { optimize: false },
  };
  const ajv = options.draft === 'draft-07' ? new AjvDraft07(ajvOptions) : new Ajv2020(ajvOptions);
  addFormats(ajv);
  return ajv;
}

/**
 * The validator of `schema` under `options`: the precompiled one when src/core/precompiled/
 * holds this very schema (compared by its JSON text) with these options, else one compiled by
 * `ajv` (an instance made with the same options; a new one when omitted). A schema changed
 * since the validators were generated is compiled, so it validates as written; a unit test
 * (test/unit/core/precompiled-validators.test.ts) fails until they are generated again.
 */
export function compileValidator(schema: Record<string, unknown>, options: CompileOptions, ajv?: () => JsonSchemaValidator): ValidateFunction {
  return precompiledValidator(optionsKey(options), schema) ?? (ajv?.() ?? createAjv(options)).compile(schema);
}

/** Compiles `schema` once; the returned function can be called for every document. */
export function compileSchema(schema: Record<string, unknown>, options: CompileOptions = {}): SchemaCheck {
  const validate = compileValidator(schema, options);
  return (value) => (validate(value) ? [] : describeErrors(validate.errors ?? []));
}

/**
 * Fills in the `default`s a schema declares, the way ajv's useDefaults does (a missing key gets
 * a copy of its default, an object then filled in turn), in place and without validating: the
 * value was checked against the schema before, and a default may be one a user may not write
 * (`null` for "unset"). Only `properties` and `default` of the schema are read. A walk of the
 * schema rather than an ajv instance: it runs at start-up of every command.
 */
export function defaultsFiller(schema: Record<string, unknown>): (value: Record<string, unknown>) => void {
  return (value) => fillDefaults(schema, value);
}

function fillDefaults(schema: Record<string, unknown>, value: unknown): void {
  const properties = schema['properties'];
  if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof properties !== 'object' || properties === null) return;
  const object = value as Record<string, unknown>;
  for (const [key, child] of Object.entries(properties as Record<string, Record<string, unknown>>)) {
    if (object[key] === undefined && 'default' in child) object[key] = structuredClone(child['default']);
    fillDefaults(child, object[key]);
  }
}

/** Turns ajv errors into path-first problems; unknown and missing keys name the key itself. */
export function describeErrors(errors: ErrorObject[]): SchemaProblem[] {
  const seen = new Set<string>();
  const problems: SchemaProblem[] = [];
  for (const error of errors) {
    const problem = describeError(error);
    const key = `${problem.path} ${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function describeError(error: ErrorObject): SchemaProblem {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return { path: `${error.instancePath}/${escapePointer(String(params.additionalProperty))}`, message: 'unknown key' };
    case 'required':
      return { path: `${error.instancePath}/${escapePointer(String(params.missingProperty))}`, message: 'is required' };
    case 'enum':
      return {
        path: error.instancePath,
        message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'const':
      return { path: error.instancePath, message: `must be ${JSON.stringify(params.allowedValue)}` };
    default:
      return { path: error.instancePath, message: error.message ?? `fails ${error.keyword}` };
  }
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** `/a/b` + `must be string` -> `/a/b must be string`; the root shows as `/`. */
export function formatProblem(problem: SchemaProblem): string {
  return `${problem.path === '' ? '/' : problem.path} ${problem.message}`;
}
