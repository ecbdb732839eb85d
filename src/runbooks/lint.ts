/**
 * Warnings about runbooks that load but are risky as written. They do not stop a load; `firebreak
 * validate` prints them.
 *
 * RUNBOOK_UNESCAPED_LABEL: a `prometheus.query` query, or a step's release condition (also
 * PromQL), puts a value from outside the runbook
 * (`labels`, `annotations`, an earlier step's `output`) into the PromQL text without the
 * `promql_label` filter. A consumer-group name holding `"` would end the label matcher and
 * rewrite the query, for example into one that always passes its check.
 *
 * RUNBOOK_HARD_LIMIT: a value written in a step's `with` that the action's hard limits refuse
 * whatever the alert (a quota of 0 or below `safety.minQuotaByteRate`, a retention below the
 * floor, an internal or protected topic): the step is blocked every time it runs. The server
 * loads such a runbook (the guards block the step and say why); `firebreak validate` fails on it.
 */
import type { SafetyLimits } from '../actions/types.ts';
import type { RunbookDiagnostic } from './diagnostics.ts';
import type { ActionCatalog } from './params.ts';
import { isTemplate } from './template.ts';
import { positionOf, type YamlDocument } from './yaml-source.ts';

/** Actions whose `query` parameter is PromQL. */
const PROMQL_ACTIONS = new Set(['prometheus.query']);

const OUTPUT_TAG = /\{\{-?([\s\S]*?)-?\}\}/g;
/** An expression reading data that comes from outside the runbook. */
const OUTSIDE_DATA = /^\s*(labels|annotations|steps\.[A-Za-z0-9_]+\.output)\b/;

/** The `{{ ... }}` expressions of a template that put outside data in unescaped. */
export function unescapedInPromql(template: string): string[] {
  const found: string[] = [];
  for (const m of template.matchAll(OUTPUT_TAG)) {
    const [expression = '', ...filters] = (m[1] ?? '').split('|');
    if (!OUTSIDE_DATA.test(expression)) continue;
    if (filters.some((f) => f.trim().split(/[\s:]/)[0] === 'promql_label')) continue;
    found.push(m[0]);
  }
  return found;
}

/** The warnings of one runbook document. */
export function lintRunbook(doc: YamlDocument, file: string): RunbookDiagnostic[] {
  const value = doc.value as { steps?: unknown };
  if (typeof value !== 'object' || value === null || !Array.isArray(value.steps)) return [];
  const warnings: RunbookDiagnostic[] = [];
  value.steps.forEach((step: unknown, i: number) => {
    const s = step as { action?: unknown; with?: { query?: unknown }; release?: { condition?: { query?: unknown } } } | null;
    if (s === null || typeof s !== 'object') return;
    const queries: Array<[string, unknown]> = [[`/steps/${i}/with/query`, PROMQL_ACTIONS.has(String(s.action)) ? s.with?.query : undefined], [`/steps/${i}/release/condition/query`, s.release?.condition?.query]];
    for (const [pointer, query] of queries) {
      if (typeof query !== 'string') continue;
      for (const tag of unescapedInPromql(query)) {
        const pos = positionOf(doc, pointer);
        const fixed = tag.replace(/\s*-?\}\}$/, ' | promql_label }}');
        warnings.push({
          code: 'RUNBOOK_UNESCAPED_LABEL',
          message: `${tag} goes into the PromQL query unescaped: a value holding " or \\ would rewrite the query; write ${fixed}`,
          file,
          line: pos.line,
          column: pos.column,
          path: pointer.slice(1).replace(/^steps\/(\d+)/, 'steps[$1]').replaceAll('/', '.'),
        });
      }
    }
  });
  return warnings;
}

/** Parameters as written, with every value a template fills in left undefined (keys and slots kept). */
function literalPart(value: unknown): unknown {
  if (typeof value === 'string') return isTemplate(value) ? undefined : value;
  if (Array.isArray(value)) return value.map(literalPart);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, literalPart(v)]));
  return value;
}

/** The RUNBOOK_HARD_LIMIT diagnostics of one runbook document (see the module comment). */
export function hardLimitWarnings(doc: YamlDocument, file: string, catalog: ActionCatalog, limits: SafetyLimits): RunbookDiagnostic[] {
  const value = doc.value as { steps?: unknown };
  if (typeof value !== 'object' || value === null || !Array.isArray(value.steps)) return [];
  const found: RunbookDiagnostic[] = [];
  value.steps.forEach((step: unknown, i: number) => {
    const s = step as { action?: unknown; with?: unknown } | null;
    if (s === null || typeof s !== 'object' || typeof s.action !== 'string' || typeof s.with !== 'object' || s.with === null) return;
    const action = catalog.get(s.action);
    if (action?.limitRefusals === undefined) return;
    for (const refusal of action.limitRefusals(literalPart(s.with) as Record<string, unknown>, limits)) {
      const pointer = `/steps/${i}/with${refusal.pointer}`;
      const pos = positionOf(doc, pointer);
      found.push({
        code: 'RUNBOOK_HARD_LIMIT',
        message: `${refusal.message} (${refusal.code}): ${action.name} refuses it every time, so this step can never run`,
        file,
        line: pos.line,
        column: pos.column,
        path: pointer.slice(1).replace(/^steps\/(\d+)/, 'steps[$1]').replaceAll('/', '.'),
      });
    }
  });
  return found;
}
