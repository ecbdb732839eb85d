/**
 * Validation of a runbook document against `runbooks/schema.json` (draft-07, the version
 * editors' YAML tooling understands best), with messages written for runbook authors.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { compileValidator, createAjv, type CompileOptions } from '../core/json-schema.ts';
import runbookSchema from '../../runbooks/schema.json' with { type: 'json' };
import { escapePointer } from './yaml-source.ts';

/** The runbook JSON Schema, as shipped in `runbooks/schema.json`. */
export const RUNBOOK_SCHEMA: Readonly<Record<string, unknown>> = runbookSchema;

/** One schema problem: where (JSON pointer; report the key's position when `atKey`) and what. */
export interface SchemaIssue {
  pointer: string;
  atKey: boolean;
  message: string;
}

/**
 * Messages for the schema's `pattern`s, keyed by the pattern itself (ajv inlines `$ref`s, so
 * schema paths are ambiguous; the patterns are not).
 */
const PATTERN_MESSAGES: ReadonlyMap<string, string> = new Map([
  [runbookSchema.definitions.duration.pattern, 'must be a duration such as 30s, 15m or 1h'],
  [runbookSchema.definitions.durationOrParam.pattern, 'must be a duration such as 30s, 15m or 1h, or {{ params.<name> }}'],
  [runbookSchema.properties.name.pattern, 'must be lowercase letters, digits and dashes, starting with a letter (at most 63)'],
  [runbookSchema.definitions.step.properties.id.pattern, 'must start with a letter and hold only letters, digits and _ (at most 63)'],
  [runbookSchema.properties.groupBy.items.pattern, 'must be a label name or "..."'],
  [runbookSchema.properties.params.propertyNames.pattern, 'must start with a letter or _ and hold only letters, digits and _'],
  [runbookSchema.definitions.step.properties.release.properties.condition.properties.expect.pattern, 'must be a comparison and a number, e.g. "< 1000"'],
]);

const TYPE_NAMES: Readonly<Record<string, string>> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
};

function got(value: unknown): string {
  return ` (got ${JSON.stringify(value)})`;
}

/**
 * How the runbook schema is compiled: every error, with the failing value and schema (for the
 * messages below). strictTypes off: `enum` without `type` is deliberate (editors show the values).
 */
export const RUNBOOK_SCHEMA_OPTIONS: CompileOptions = { draft: 'draft-07', allErrors: true, verbose: true, strict: true, strictTypes: false };

/** A compiled runbook schema; returns the issues of one document (empty when valid). */
export class RunbookSchemaValidator {
  readonly #validate: ValidateFunction;

  /**
   * The precompiled validator (src/core/precompiled/) unless `precompiled` is false: then ajv
   * compiles the schema (tests compare the two).
   */
  constructor({ precompiled = true }: { precompiled?: boolean } = {}) {
    this.#validate = precompiled
      ? compileValidator(RUNBOOK_SCHEMA, RUNBOOK_SCHEMA_OPTIONS)
      : createAjv(RUNBOOK_SCHEMA_OPTIONS).compile(RUNBOOK_SCHEMA);
  }

  validate(document: unknown): SchemaIssue[] {
    if (this.#validate(document)) return [];
    const issues: SchemaIssue[] = [];
    const seen = new Set<string>();
    for (const error of this.#validate.errors ?? []) {
      const issue = describe(error);
      if (issue === null) continue;
      const key = `${issue.pointer}\u0000${issue.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      issues.push(issue);
    }
    return issues;
  }
}

function describe(e: ErrorObject): SchemaIssue | null {
  const params = e.params as Record<string, unknown>;
  // Errors inside `propertyNames` repeat the `propertyNames` error itself.
  if (e.propertyName !== undefined && e.keyword !== 'propertyNames') return null;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const props = (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
      const allowed = props === undefined ? '' : ` (allowed: ${Object.keys(props).join(', ')})`;
      return { pointer: `${e.instancePath}/${escapePointer(key)}`, atKey: true, message: `unknown key${allowed}` };
    }
    case 'required':
      return { pointer: e.instancePath, atKey: false, message: `missing required key "${String(params.missingProperty)}"` };
    case 'propertyNames': {
      const name = String(params.propertyName);
      const message = PATTERN_MESSAGES.get(runbookSchema.properties.params.propertyNames.pattern) ?? 'invalid name';
      return { pointer: `${e.instancePath}/${escapePointer(name)}`, atKey: true, message: `invalid name: ${message}` };
    }
    case 'type': {
      // A value of the wrong type for a patterned string (a duration written as 30) gets the
      // pattern's message, which says what to write.
      const pattern = (e.parentSchema as { pattern?: unknown } | undefined)?.pattern;
      const known = typeof pattern === 'string' ? PATTERN_MESSAGES.get(pattern) : undefined;
      const message = known ?? `must be ${TYPE_NAMES[String(params.type)] ?? String(params.type)}`;
      return { pointer: e.instancePath, atKey: false, message: `${message}${got(e.data)}` };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String).join(', ');
      return { pointer: e.instancePath, atKey: false, message: `must be one of ${allowed}${got(e.data)}` };
    }
    case 'pattern': {
      const known = PATTERN_MESSAGES.get(String(params.pattern));
      return { pointer: e.instancePath, atKey: false, message: `${known ?? `must match ${String(params.pattern)}`}${got(e.data)}` };
    }
    case 'minItems':
      return { pointer: e.instancePath, atKey: false, message: `must have at least ${String(params.limit)} item(s)` };
    case 'minLength':
      return { pointer: e.instancePath, atKey: false, message: 'must not be empty' };
    case 'minimum':
    case 'maximum':
      return { pointer: e.instancePath, atKey: false, message: `must be ${String(params.comparison)} ${String(params.limit)}${got(e.data)}` };
    case 'uniqueItems': {
      // Point at the later of the two equal items: the earlier one is the original.
      const list = Array.isArray(e.data) ? e.data : [];
      const later = Math.max(Number(params.i), Number(params.j));
      return { pointer: `${e.instancePath}/${later}`, atKey: false, message: `repeats ${JSON.stringify(list[later])}` };
    }
    default:
      return { pointer: e.instancePath, atKey: false, message: e.message ?? e.keyword };
  }
}
