/**
 * Templating for runbook parameters, `when` conditions and follow-ups: Liquid (liquidjs) in a
 * locked-down configuration.
 *
 * - Unknown variables and unknown filters are errors (`strictVariables`, `strictFilters`), never
 *   an empty string. The `default` filter and `{% if %}` accept a missing variable
 *   (`lenientIf`), which is how a template reads an optional label.
 * - No file system: `include`, `render` and `layout` are disabled at parse time.
 * - Only own properties are visible (`labels.constructor` is undefined, not a function).
 * - Bounded: template length, render CPU time, allocations and output length.
 *
 * Types: a string that is exactly one `{{ expression }}` (no text around it) evaluates to the
 * expression's value with its type (a number stays a number, a list a list); any other string
 * renders to a string. `when:` is an expression (no braces) that must evaluate to a boolean.
 */
import { Context, Liquid, Tag, type TagToken, type TopLevelToken } from 'liquidjs';
import { FirebreakError } from '../errors.ts';
import { DEFAULT_ENGINE_LIMITS } from '../model/engine.ts';
import type { AlertStatus, IncidentStatus } from '../model/incident.ts';
import { runbookError } from './diagnostics.ts';

/** Top-level names a template may read. */
export const TEMPLATE_ROOTS = ['labels', 'annotations', 'alert', 'incident', 'steps', 'params', 'trigger'] as const;
export type TemplateRoot = (typeof TEMPLATE_ROOTS)[number];

/** Fields of `incident` a template may read. */
export const INCIDENT_FIELDS = ['id', 'key', 'title', 'status', 'severity', 'cluster', 'runbook', 'startedAt', 'openedAt'] as const;
/** Fields of `alert` a template may read. */
export const ALERT_FIELDS = ['fingerprint', 'status', 'startsAt', 'endsAt', 'generatorURL'] as const;
/** Fields of `steps.<id>` a template may read. */
export const STEP_FIELDS = ['status', 'output'] as const;

/** The data templates see. Built by the engine for each step. */
export interface TemplateContext {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  alert: { fingerprint: string; status: AlertStatus; startsAt: string; endsAt: string | null; generatorURL: string | null };
  incident: {
    id: string;
    key: string;
    title: string;
    status: IncidentStatus;
    severity: string | null;
    cluster: string | null;
    runbook: string | null;
    startedAt: string;
    openedAt: string;
  };
  /** Earlier steps of this run: `status` (succeeded, failed, skipped, blocked, dry-run...) and `output`. */
  steps: Record<string, { status: string; output: unknown }>;
  /** The runbook's `params`. */
  params: Record<string, unknown>;
  /** The status of the notification being handled. */
  trigger: AlertStatus;
}

export interface TemplateLimits {
  /** Longest template source, characters. */
  maxTemplateLength: number;
  /** Longest rendered string, characters. */
  maxOutputLength: number;
  /** CPU time one render may take on its thread, ms ({@link CpuTimeLimit}). */
  renderCpuMs: number;
  /** liquidjs allocation budget per render (array/string growth units). */
  memoryLimit: number;
}

/**
 * Stops a runaway render (`{% for %}` loops nested over a list: no allocation, endless work).
 * liquidjs's own `renderLimit` compares the wall clock with a deadline at each block it renders,
 * so on a loaded machine a template of microseconds failed when its thread merely waited for a
 * core (and a containment waited for a retry). This limit answers the same check with the CPU
 * time the render's thread has spent since it began (`process.threadCpuUsage`): time spent
 * waiting for a core does not count, work does, however busy the machine. A thread cannot spend
 * more CPU time than the wall time that passed, so the CPU time is only read once the wall clock
 * is past the budget: a render within it costs what liquidjs's own check costs. liquidjs checks
 * before each block (each loop iteration), so a runaway loop stops within one iteration of the
 * budget; the allocation limit (`memoryLimit`) bounds what one filter or range does in between.
 */
export class CpuTimeLimit {
  readonly #wallStart = performance.now();
  readonly #cpuStart = process.threadCpuUsage();
  readonly #limitMs: number;

  constructor(limitMs: number) {
    this.#limitMs = limitMs;
  }

  /** liquidjs's render-limit check, called with its wall-clock reading (`performance.now()`). */
  check(wallClock: number = performance.now()): void {
    if (wallClock - this.#wallStart <= this.#limitMs) return;
    const spent = process.threadCpuUsage(this.#cpuStart);
    if (spent.user + spent.system > this.#limitMs * 1_000) throw new Error(`template render limit exceeded: more than ${this.#limitMs} ms of CPU time`);
  }

  /** liquidjs's limiter interface: nothing is counted here. */
  use(_count: number): void {}
}

export const DEFAULT_TEMPLATE_LIMITS: TemplateLimits = {
  maxTemplateLength: 16_384,
  maxOutputLength: 65_536,
  renderCpuMs: DEFAULT_ENGINE_LIMITS.templateCpuMs,
  memoryLimit: 1_000_000,
};

/**
 * Filters that make a value safe where it is put:
 * - `promql_label`: a PromQL label value inside double quotes (`consumergroup="{{ labels.consumergroup | promql_label }}"`):
 *   backslash, double quote and line breaks are escaped, so a value can never end the string and
 *   rewrite the query;
 * - `url_segment`: one URL path segment (`/api/groups/{{ labels.consumergroup | url_segment }}`),
 *   percent-encoded so `/`, `?`, `#` and `..` stay inside it.
 */
export const ESCAPING_FILTERS: Record<string, (value: unknown) => string> = {
  promql_label: (value) =>
    String(value ?? '')
      .replaceAll('\\', '\\\\')
      .replaceAll('"', '\\"')
      .replaceAll('\n', '\\n')
      .replaceAll('\r', '\\r'),
  // `.` and `..` alone would move up or stay in the path: encode their dots too.
  url_segment: (value) => {
    const encoded = encodeURIComponent(String(value ?? ''));
    return /^\.+$/.test(encoded) ? encoded.replaceAll('.', '%2E') : encoded;
  },
};

/** What static analysis found in one template (shared between calls: read-only). */
export interface TemplateCheck {
  /** Parse problem, or null. */
  readonly error: string | null;
  /** Every global variable read, as property segments (`['steps', 'lag', 'output']`). */
  readonly variables: ReadonlyArray<readonly string[]>;
}

/** The check of a string without markup. */
const PLAIN: TemplateCheck = Object.freeze({ error: null, variables: Object.freeze([]) });

const SINGLE_EXPRESSION = /^\{\{-?([\s\S]*?)-?\}\}$/;
const MARKERS = /\{\{|\}\}|\{%|%\}/;

/** Whether a string holds Liquid markup (and so is rendered, not used verbatim). */
/** How many distinct checks a Templates instance remembers before it starts afresh. */
const CHECK_CACHE_SIZE = 10_000;

export function isTemplate(value: string): boolean {
  return value.includes('{{') || value.includes('{%');
}

/** The expression of a string that is exactly one `{{ expression }}`, else null. */
export function singleExpression(value: string): string | null {
  const m = SINGLE_EXPRESSION.exec(value);
  if (m === null) return null;
  const inner = m[1] ?? '';
  return MARKERS.test(inner) || inner.trim() === '' ? null : inner.trim();
}

function disabledTag(name: string): new (token: TagToken, remain: TopLevelToken[], liquid: Liquid) => Tag {
  return class Disabled extends Tag {
    constructor(token: TagToken, remain: TopLevelToken[], liquid: Liquid) {
      super(token, remain, liquid);
      throw new Error(`tag "${name}" is not available in runbook templates (no file access)`);
    }
    render(): void {
      // Never reached: construction fails at parse time.
    }
  };
}

/** Strips liquidjs's position suffix when the template is a single line (it adds nothing). */
function cleanMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/, line:1, col:\d+$/, '');
}

/** The variable an UndefinedVariableError names, if any. */
function undefinedVariable(err: unknown): string | null {
  const m = /undefined variable: ([^,]+)/.exec(err instanceof Error ? err.message : '');
  return m?.[1] ?? null;
}

/**
 * One locked-down Liquid engine. Create one per loader or engine (no shared module state); it
 * is stateless between calls.
 */
export class TemplateEngine {
  readonly limits: TemplateLimits;
  readonly #liquid: Liquid;

  /**
   * `locale` is the `date` filter's; the system's when omitted (liquidjs asks Intl for it, some
   * 15 ms of CPU at the first engine of a process). An engine that only checks templates never
   * formats a date and may name one.
   */
  constructor(limits: Partial<TemplateLimits> = {}, { locale }: { locale?: string } = {}) {
    this.limits = { ...DEFAULT_TEMPLATE_LIMITS, ...limits };
    this.#liquid = new Liquid({
      ...(locale === undefined ? {} : { locale }),
      strictVariables: true,
      strictFilters: true,
      lenientIf: true,
      ownPropertyOnly: true,
      // In-memory, empty template map: nothing is ever looked up on disk.
      templates: {},
      parseLimit: this.limits.maxTemplateLength,
      memoryLimit: this.limits.memoryLimit,
    });
    for (const name of ['include', 'render', 'layout', 'block']) this.#liquid.registerTag(name, disabledTag(name));
    for (const [name, filter] of Object.entries(ESCAPING_FILTERS)) this.#liquid.registerFilter(name, filter);
  }

  /** A fresh render context over `data`, with the CPU-time limit starting now. */
  #context(data: TemplateContext): Context {
    const renderLimit = new CpuTimeLimit(this.limits.renderCpuMs) as unknown as Context['renderLimit'];
    return new Context(data, this.#liquid.options, { sync: true }, { renderLimit });
  }

  /** Checks already made, by kind, then text: runbooks repeat the same templates many times. */
  readonly #checked = { text: new Map<string, TemplateCheck>(), expression: new Map<string, TemplateCheck>() };

  /**
   * Parses a template (`kind: 'text'`) or a bare expression (`'expression'`, as in `when:`).
   * Text without markup is plain; each distinct text is parsed once per instance, and the same
   * frozen result is returned for it every time.
   */
  check(source: string, kind: 'text' | 'expression' = 'text'): TemplateCheck {
    if (kind === 'text' && !isTemplate(source) && source.length <= this.limits.maxTemplateLength) return PLAIN;
    const checked = this.#checked[kind];
    let result = checked.get(source);
    if (result === undefined) {
      result = this.#parse(source, kind);
      if (checked.size >= CHECK_CACHE_SIZE) checked.clear();
      checked.set(source, result);
    }
    return result;
  }

  #parse(source: string, kind: 'text' | 'expression'): TemplateCheck {
    const { error, variables } = this.#analyse(source, kind);
    return Object.freeze({ error, variables: Object.freeze(variables.map((segments) => Object.freeze(segments))) });
  }

  #analyse(source: string, kind: 'text' | 'expression'): { error: string | null; variables: string[][] } {
    if (source.length > this.limits.maxTemplateLength) {
      return { error: `template longer than ${this.limits.maxTemplateLength} characters`, variables: [] };
    }
    const text = kind === 'expression' ? `{{ ${source} }}` : source;
    try {
      const parsed = this.#liquid.parse(text);
      const segments = this.#liquid.globalVariableSegmentsSync(parsed);
      return {
        error: null,
        variables: segments.map((segs) => segs.map((s) => (typeof s === 'string' || typeof s === 'number' ? String(s) : '*'))),
      };
    } catch (err) {
      return { error: cleanMessage(err), variables: [] };
    }
  }

  /**
   * Renders one string. A string without markup is returned as is; exactly one `{{ expr }}`
   * returns the expression's value (typed); anything else renders to a string.
   *
   * @throws FirebreakError RUNBOOK_TEMPLATE (details: `variable` when one was undefined).
   */
  render(source: string, context: TemplateContext, where = 'template'): unknown {
    if (!isTemplate(source)) return source;
    const expression = singleExpression(source);
    try {
      if (expression !== null) {
        const value: unknown = this.#liquid.evalValueSync(expression, this.#context(context));
        return value === undefined ? null : value;
      }
      const out = String(this.#liquid.parseAndRenderSync(source, this.#context(context)));
      if (out.length > this.limits.maxOutputLength) {
        throw new Error(`rendered text longer than ${this.limits.maxOutputLength} characters`);
      }
      return out;
    } catch (err) {
      throw templateError(where, err);
    }
  }

  /**
   * Renders every string inside `value` (objects and lists walked recursively; keys are not
   * templated). `where` names the place for messages, e.g. `step "throttle" with`.
   */
  renderValue(value: unknown, context: TemplateContext, where: string): unknown {
    if (typeof value === 'string') return this.render(value, context, where);
    if (Array.isArray(value)) return value.map((item, i) => this.renderValue(item, context, `${where}[${i}]`));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[key] = this.renderValue(item, context, `${where}.${key}`);
      return out;
    }
    return value;
  }

  /**
   * Evaluates a `when:` expression. It must yield a boolean: `steps.lag.output.total > 10000`,
   * `labels.severity == "critical" and trigger == "firing"`.
   *
   * @throws FirebreakError RUNBOOK_TEMPLATE for undefined variables or a non-boolean result.
   */
  evaluateCondition(expression: string, context: TemplateContext, where = 'when'): boolean {
    let value: unknown;
    try {
      value = this.#liquid.evalValueSync(expression, this.#context(context));
    } catch (err) {
      throw templateError(where, err);
    }
    if (typeof value !== 'boolean') {
      throw runbookError('RUNBOOK_TEMPLATE', `${where}: must evaluate to true or false, got ${describe(value)}`, {
        statusCode: 422,
        details: { where, expression },
      });
    }
    return value;
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function templateError(where: string, err: unknown): FirebreakError {
  if (err instanceof FirebreakError) return err;
  const variable = undefinedVariable(err);
  const message = variable === null ? cleanMessage(err) : `undefined variable ${variable}`;
  return runbookError('RUNBOOK_TEMPLATE', `${where}: ${message}`, {
    statusCode: 422,
    cause: err,
    details: variable === null ? { where } : { where, variable },
  });
}
