/**
 * From one schema-checked YAML document to a {@link Runbook}: the checks a JSON Schema cannot
 * express (matchers, duplicate step ids, actions and their parameters, templates and the
 * variables they read, step rules), then defaults. Checks run on whatever parts of the document
 * are well-typed, so one pass reports as much as it can; a document with any problem yields no
 * runbook.
 */
import type { RevertMode } from '../actions/types.ts';
import { displayPath, type RunbookDiagnostic, type RunbookDiagnosticCode } from './diagnostics.ts';
import { parseDuration } from '../core/duration.ts';
import { parseMatchers, type Matcher } from './matchers.ts';
import { checkRelease } from './release.ts';
import type { ActionCatalog, ParamsValidator } from './params.ts';
import { ALERT_FIELDS, INCIDENT_FIELDS, STEP_FIELDS, TEMPLATE_ROOTS, isTemplate, type TemplateEngine } from './template.ts';
import { DEFAULT_APPROVAL_TIMEOUT_MS, GROUP_BY_ALL, type Runbook, type RunbookPolicy, type RunbookStep } from './types.ts';
import { type StepPhase } from '../model/incident.ts';
import { escapePointer, positionOf, type YamlDocument } from './yaml-source.ts';

export interface CompileDeps {
  catalog: ActionCatalog;
  templates: TemplateEngine;
  validator: ParamsValidator;
}

/** First retry delay when `retries.backoff` is omitted. */
export const DEFAULT_RETRY_BACKOFF_MS = 5_000;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Reports problems of one document at their source positions. */
class Reporter {
  readonly diagnostics: RunbookDiagnostic[] = [];
  readonly #doc: YamlDocument;
  readonly #file: string;
  constructor(doc: YamlDocument, file: string) {
    this.#doc = doc;
    this.#file = file;
  }
  add(code: RunbookDiagnosticCode, pointer: string, message: string, atKey = false): void {
    const pos = positionOf(this.#doc, pointer, atKey);
    this.diagnostics.push({ code, message, file: this.#file, line: pos.line, column: pos.column, path: displayPath(pointer) });
  }
}

/**
 * Checks a document that already went through the schema (`schemaFailed` says whether the
 * schema found problems: then no runbook is built, but the semantic checks still report).
 */
export function compileRunbook(
  doc: YamlDocument,
  file: string,
  schemaFailed: boolean,
  deps: CompileDeps,
): { runbook: Runbook | null; diagnostics: RunbookDiagnostic[] } {
  const report = new Reporter(doc, file);
  const root = isObj(doc.value) ? doc.value : {};

  const matchers = checkMatchers(root.match, report);
  checkGroupBy(root.groupBy, report);
  checkProtectedTopics(isObj(root.policy) ? root.policy.protectedTopics : undefined, report);
  const params = isObj(root.params) ? root.params : {};
  const steps = checkSteps(Array.isArray(root.steps) ? root.steps : [], params, report, deps);
  if (Array.isArray(root.followUps)) {
    const allIds = steps.map((s) => s?.id).filter((id): id is string => id !== undefined);
    root.followUps.forEach((text, i) => {
      if (typeof text === 'string') checkTemplate(text, 'text', `/followUps/${i}`, { params, earlier: allIds, all: allIds }, report, deps);
    });
  }

  if (schemaFailed || report.diagnostics.length > 0) return { runbook: null, diagnostics: report.diagnostics };
  const pos = doc.start;
  const runbook: Runbook = {
    name: root.name as string,
    description: root.description as string,
    matchSource: root.match as string[],
    match: matchers,
    groupBy: root.groupBy as string[],
    priority: typeof root.priority === 'number' ? root.priority : 0,
    params,
    policy: buildPolicy(isObj(root.policy) ? root.policy : {}),
    steps: steps.filter((s): s is RunbookStep => s !== null),
    followUps: Array.isArray(root.followUps) ? (root.followUps as string[]) : [],
    origin: { file, line: pos.line, column: pos.column },
  };
  return { runbook, diagnostics: [] };
}

function checkMatchers(match: unknown, report: Reporter): Matcher[] {
  const out: Matcher[] = [];
  if (!Array.isArray(match)) return out;
  match.forEach((text, i) => {
    if (typeof text !== 'string') return;
    try {
      const parsed = parseMatchers(text);
      if (parsed.length === 0) report.add('RUNBOOK_INVALID_MATCHER', `/match/${i}`, `no matcher in ${JSON.stringify(text)}`);
      out.push(...parsed);
    } catch (err) {
      report.add('RUNBOOK_INVALID_MATCHER', `/match/${i}`, (err as Error).message);
    }
  });
  return out;
}

function checkGroupBy(groupBy: unknown, report: Reporter): void {
  if (Array.isArray(groupBy) && groupBy.includes(GROUP_BY_ALL) && groupBy.length > 1) {
    report.add('RUNBOOK_SCHEMA', '/groupBy', `"${GROUP_BY_ALL}" (every label) cannot be combined with label names`);
  }
}

function checkProtectedTopics(patterns: unknown, report: Reporter): void {
  if (!Array.isArray(patterns)) return;
  patterns.forEach((p, i) => {
    if (typeof p !== 'string') return;
    try {
      new RegExp(`^(?:${p})$`);
    } catch (err) {
      report.add('RUNBOOK_INVALID_MATCHER', `/policy/protectedTopics/${i}`, `error parsing regexp: ${(err as Error).message}`);
    }
  });
}

interface Scope {
  params: Obj;
  /** Step ids a template may read (`steps.<id>`): the earlier steps. */
  earlier: string[];
  all: string[];
}

function checkSteps(items: unknown[], params: Obj, report: Reporter, deps: CompileDeps): Array<RunbookStep | null> {
  const firstIndex = new Map<string, number>();
  const allIds = items.map((s) => (isObj(s) && typeof s.id === 'string' ? s.id : null)).filter((id): id is string => id !== null);
  return items.map((item, i) => {
    if (!isObj(item)) return null;
    const base = `/steps/${i}`;
    const id = typeof item.id === 'string' ? item.id : null;
    if (id !== null) {
      const first = firstIndex.get(id);
      if (first !== undefined) {
        report.add('RUNBOOK_DUPLICATE_STEP', `${base}/id`, `step id "${id}" is already used by steps[${first}]`);
      } else {
        firstIndex.set(id, i);
      }
    }
    const earlier = items
      .slice(0, i)
      .map((s) => (isObj(s) && typeof s.id === 'string' ? s.id : null))
      .filter((s): s is string => s !== null);
    return checkStep(item, base, { params, earlier, all: allIds }, report, deps);
  });
}

function checkStep(step: Obj, base: string, scope: Scope, report: Reporter, deps: CompileDeps): RunbookStep | null {
  const actionName = typeof step.action === 'string' ? step.action : null;
  const action = actionName === null ? undefined : deps.catalog.get(actionName);
  if (actionName !== null && action === undefined) {
    report.add('RUNBOOK_UNKNOWN_ACTION', `${base}/action`, `unknown action "${actionName}"`);
  }
  const withValue = step.with === undefined ? {} : step.with;
  if (isObj(withValue)) {
    walkStrings(withValue, `${base}/with`, (text, pointer) => {
      if (isTemplate(text)) checkTemplate(text, 'text', pointer, scope, report, deps);
    });
    if (action !== undefined) {
      for (const p of deps.validator.validateLiteral(action.paramsSchema, withValue)) {
        const atKey = p.message === 'unknown parameter';
        report.add('RUNBOOK_INVALID_PARAMS', `${base}/with${p.pointer}`, `${p.message} (${action.name})`, atKey);
      }
    }
  }
  if (typeof step.when === 'string') checkTemplate(step.when, 'expression', `${base}/when`, scope, report, deps);
  const condition = isObj(step.release) && isObj(step.release.condition) ? step.release.condition : null;
  if (condition !== null && typeof condition.query === 'string' && isTemplate(condition.query)) {
    checkTemplate(condition.query, 'text', `${base}/release/condition/query`, scope, report, deps);
  }

  const phase = step.phase as StepPhase;
  const on = step.on === 'resolved' ? 'resolved' : 'firing';
  const approval = step.approval === 'required' ? 'required' : 'none';
  const mutating = action?.mutating ?? false;
  if (phase === 'containment' && on === 'resolved') {
    report.add('RUNBOOK_INVALID_STEP', `${base}/on`, 'a containment step cannot run on resolved: a resolved alert never triggers containment');
  }
  if (action !== undefined) {
    if (mutating && phase === 'identification') {
      report.add('RUNBOOK_INVALID_STEP', `${base}/phase`, `identification steps must be read-only, and ${action.name} changes the cluster`);
    }
    if (!mutating && approval === 'required') {
      report.add('RUNBOOK_INVALID_STEP', `${base}/approval`, `approval applies to changes only, and ${action.name} is read-only`);
    }
    if (step.revert === 'on-resolve' || step.revert === 'manual') {
      if (!mutating) {
        report.add('RUNBOOK_INVALID_STEP', `${base}/revert`, `${action.name} is read-only: there is nothing to revert (use never or leave it out)`);
      } else if (typeof action.revert !== 'function') {
        report.add('RUNBOOK_INVALID_STEP', `${base}/revert`, `${action.name} cannot revert its change (use revert: never)`);
      }
    }
  }
  if (step.approvalTimeout !== undefined && approval !== 'required') {
    report.add('RUNBOOK_INVALID_STEP', `${base}/approvalTimeout`, 'approvalTimeout needs approval: required', true);
  }
  const writtenRevert = (step.revert as RevertMode | undefined) ?? action?.defaultRevert ?? 'on-resolve';
  const release = checkRelease(step, writtenRevert, action, scope.params, (pointer, message, atKey = false) => report.add('RUNBOOK_INVALID_STEP', `${base}${pointer}`, message, atKey));
  if (action === undefined || !isObj(withValue)) return null;

  const retries = isObj(step.retries) ? step.retries : {};
  const revert: RevertMode = !mutating ? 'never' : writtenRevert;
  return {
    id: step.id as string,
    description: typeof step.description === 'string' ? step.description : null,
    phase,
    on,
    action: action.name,
    mutating,
    with: withValue,
    when: typeof step.when === 'string' ? step.when : null,
    timeoutMs: typeof step.timeout === 'string' ? parseDuration(step.timeout) : null,
    retries: {
      count: typeof retries.count === 'number' ? retries.count : 0,
      backoffMs: (typeof retries.backoff === 'string' ? parseDuration(retries.backoff) : null) ?? DEFAULT_RETRY_BACKOFF_MS,
    },
    onFailure: step.onFailure === 'continue' ? 'continue' : 'abort',
    approval,
    approvalTimeoutMs:
      approval === 'required'
        ? ((typeof step.approvalTimeout === 'string' ? parseDuration(step.approvalTimeout) : null) ?? DEFAULT_APPROVAL_TIMEOUT_MS)
        : null,
    revert,
    release,
  };
}

function walkStrings(value: unknown, pointer: string, visit: (text: string, pointer: string) => void): void {
  if (typeof value === 'string') visit(value, pointer);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, `${pointer}/${i}`, visit));
  else if (isObj(value)) for (const [k, v] of Object.entries(value)) walkStrings(v, `${pointer}/${escapePointer(k)}`, visit);
}

function checkTemplate(text: string, kind: 'text' | 'expression', pointer: string, scope: Scope, report: Reporter, deps: CompileDeps): void {
  const result = deps.templates.check(text, kind);
  if (result.error !== null) {
    report.add('RUNBOOK_TEMPLATE', pointer, result.error);
    return;
  }
  const seen = new Set<string>();
  for (const segments of result.variables) {
    const problem = variableProblem(segments, scope);
    if (problem !== null && !seen.has(problem)) {
      seen.add(problem);
      report.add('RUNBOOK_TEMPLATE', pointer, problem);
    }
  }
}

/** Why a template may not read `segments`, or null when it may. */
function variableProblem(segments: readonly string[], scope: Scope): string | null {
  const [root, first, second] = segments;
  if (root === undefined) return null;
  // Named only in a problem: most variables have none.
  const name = (): string => segments.join('.');
  if (!(TEMPLATE_ROOTS as readonly string[]).includes(root)) {
    return `unknown variable ${name()} (available: ${TEMPLATE_ROOTS.join(', ')})`;
  }
  if (first === undefined || first === '*') return null;
  switch (root) {
    case 'incident':
      return (INCIDENT_FIELDS as readonly string[]).includes(first) ? null : `unknown variable ${name()} (incident has ${INCIDENT_FIELDS.join(', ')})`;
    case 'alert':
      return (ALERT_FIELDS as readonly string[]).includes(first) ? null : `unknown variable ${name()} (alert has ${ALERT_FIELDS.join(', ')})`;
    case 'params':
      return Object.hasOwn(scope.params, first) ? null : `unknown variable ${name()} (no params.${first} in this runbook)`;
    case 'trigger':
      return `unknown variable ${name()} (trigger is a string)`;
    case 'steps':
      if (!scope.all.includes(first)) return `unknown variable ${name()} (no step "${first}" in this runbook)`;
      if (!scope.earlier.includes(first)) return `${name()} reads step "${first}", which has not run yet at this point`;
      if (second !== undefined && second !== '*' && !(STEP_FIELDS as readonly string[]).includes(second)) {
        return `unknown variable ${name()} (a step has ${STEP_FIELDS.join(', ')})`;
      }
      return null;
    default:
      return null;
  }
}

function buildPolicy(policy: Obj): RunbookPolicy {
  const int = (v: unknown): number | null => (typeof v === 'number' ? v : null);
  return {
    cooldownMs: typeof policy.cooldown === 'string' ? parseDuration(policy.cooldown) : null,
    maxRunsPerHour: int(policy.maxRunsPerHour),
    maxTopicsPerIncident: int(policy.maxTopicsPerIncident),
    maxClientsPerIncident: int(policy.maxClientsPerIncident),
    minQuotaByteRate: int(policy.minQuotaByteRate),
    minRetentionMs: int(policy.minRetentionMs),
    protectedTopics: Array.isArray(policy.protectedTopics) ? (policy.protectedTopics as string[]) : [],
    ...(policy.onDataLoss === 'approve' || policy.onDataLoss === 'block' ? { onDataLoss: policy.onDataLoss } : {}),
    episodeWindowMs: typeof policy.episodeWindow === 'string' ? parseDuration(policy.episodeWindow) : null,
    loopBreakerCycles: isObj(policy.loopBreaker) ? int(policy.loopBreaker.cycles) : null,
    loopBreakerWindowMs: isObj(policy.loopBreaker) && typeof policy.loopBreaker.window === 'string' ? parseDuration(policy.loopBreaker.window) : null,
  };
}
