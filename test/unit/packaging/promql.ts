/**
 * Reading the PromQL in firebreak's shipped artefacts (alert rules, Grafana dashboard) for the
 * packaging tests. Only reads tracked files of the repository; writes nothing.
 *
 * Metric names are found with a small tokenizer rather than a PromQL parser: after removing
 * strings, label matchers, ranges, grouping clauses and Grafana variables, every identifier not
 * followed by `(` (a function or aggregation) and not an operator keyword is a metric name.
 * That is exact for the expression shapes used here; syntax itself is checked by promtool in
 * test/integration/alert-rules/promtool.test.ts.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { load } from 'js-yaml';
import { Histogram } from 'prom-client';
import { createMetrics } from '../../../src/metrics/metrics.ts';

/** The repository root. */
export const REPO_ROOT = resolve(import.meta.dirname, '../../..');

/** Reads a file of the repository as text. */
export function readRepoFile(...parts: string[]): string {
  return readFileSync(join(REPO_ROOT, ...parts), 'utf8');
}

/** Names of the files directly in a repository folder that end with `suffix`, sorted. */
export function repoFiles(folder: string, suffix: string): string[] {
  return readdirSync(join(REPO_ROOT, folder))
    .filter((name) => name.endsWith(suffix))
    .sort()
    .map((name) => `${folder}/${name}`);
}

/** Every `.ts` file below a repository folder, recursively, as repository paths (`src/app.ts`). */
export function repoSourceFiles(folder: string): string[] {
  return readdirSync(join(REPO_ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.ts'))
    .map((path) => `${folder}/${path.split(sep).join('/')}`)
    .sort();
}

/** firebreak's own metrics (what GET /metrics serves), by family name, read from a real registry. */
const SERVED = createMetrics({ processMetrics: false }).registry.getMetricsAsArray();

export const FIREBREAK_METRICS: readonly string[] = SERVED.map((m) => m.name).sort();

/** Histogram families among {@link FIREBREAK_METRICS}; they are queried as `_bucket/_sum/_count`. */
export const FIREBREAK_HISTOGRAMS: readonly string[] = SERVED.filter((m) => m instanceof Histogram).map((m) => m.name);

/** Every series name firebreak serves: the families plus the histograms' series. */
export function firebreakSeriesNames(): Set<string> {
  const names = new Set(FIREBREAK_METRICS);
  for (const histogram of FIREBREAK_HISTOGRAMS) {
    for (const suffix of ['_bucket', '_sum', '_count']) names.add(histogram + suffix);
  }
  return names;
}

const KEYWORDS = new Set([
  'and', 'or', 'unless', 'atan2', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right',
  'bool', 'offset', 'inf', 'nan',
]);

/** Metric names an expression selects, sorted and without duplicates. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ');
  const names = new Set<string>();
  // Numbers and durations (`3600`, `1e3`, `5m`) are consumed first so their letters are not
  // mistaken for identifiers.
  for (const match of stripped.matchAll(/(?:\d*\.)?\d[\w.]*|([A-Za-z_:][\w:]*)(\s*\()?/g)) {
    const identifier = match[1];
    if (identifier === undefined || match[2] !== undefined) continue;
    if (KEYWORDS.has(identifier.toLowerCase())) continue;
    names.add(identifier);
  }
  return [...names].sort();
}

/** One PromQL expression found in the dashboard, with where it was found for messages. */
export interface DashboardQuery {
  where: string;
  expr: string;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objects(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** Panels of a dashboard, including those nested in collapsed rows. */
export function dashboardPanels(dashboard: Json): Json[] {
  const out: Json[] = [];
  for (const panel of objects(dashboard.panels)) {
    out.push(panel);
    out.push(...objects(panel.panels));
  }
  return out;
}

/**
 * Every PromQL expression of a dashboard: panel targets, query variables (`label_values(sel,
 * label)` gives `sel`; `query_result(expr)` gives `expr`) and annotation queries with an `expr`.
 */
export function dashboardQueries(dashboard: Json): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  for (const panel of dashboardPanels(dashboard)) {
    for (const target of objects(panel.targets)) {
      if (typeof target.expr === 'string') {
        queries.push({ where: `panel "${String(panel.title)}" target ${String(target.refId)}`, expr: target.expr });
      }
    }
  }
  const templating = isObject(dashboard.templating) ? dashboard.templating : {};
  for (const variable of objects(templating.list)) {
    if (variable.type !== 'query') continue;
    const raw = isObject(variable.query) ? variable.query.query : variable.query;
    if (typeof raw !== 'string') continue;
    const expr = variableQueryExpression(raw);
    if (expr !== null) queries.push({ where: `variable "${String(variable.name)}"`, expr });
  }
  const annotations = isObject(dashboard.annotations) ? dashboard.annotations : {};
  for (const annotation of objects(annotations.list)) {
    if (typeof annotation.expr === 'string') {
      queries.push({ where: `annotation "${String(annotation.name)}"`, expr: annotation.expr });
    }
  }
  return queries;
}

function variableQueryExpression(query: string): string | null {
  const labelValues = /^\s*label_values\((.*),\s*[A-Za-z_]\w*\s*\)\s*$/s.exec(query);
  if (labelValues !== null) return labelValues[1] ?? null;
  const queryResult = /^\s*query_result\((.*)\)\s*$/s.exec(query);
  if (queryResult !== null) return queryResult[1] ?? null;
  return null;
}

/**
 * Replaces Grafana's variables so the expression is plain PromQL: interval variables become a
 * duration, any other variable (used inside label matcher regexes) matches everything.
 */
export function withGrafanaVariablesReplaced(expr: string): string {
  return expr
    .replace(/\$__(?:rate_interval|interval|range)\b/g, '5m')
    .replace(/\$\{[^}]*\}|\$\w+/g, '.*');
}

/** One rule of a Prometheus rule file, as far as these tests read it. */
export interface Rule {
  group: string;
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The rules of a Prometheus rule file in the repository. */
export function readRules(file: string): Rule[] {
  const doc = load(readRepoFile(file));
  if (!isObject(doc)) throw new Error(`${file}: not a rule file`);
  const rules: Rule[] = [];
  for (const group of objects(doc.groups)) {
    for (const rule of objects(group.rules)) {
      rules.push({ ...(rule as unknown as Omit<Rule, 'group'>), group: String(group.name) });
    }
  }
  return rules;
}

/** Alert and recording rules of every `alert-rules/*.rules.yml`, keyed by file. */
export function allRules(): Map<string, Rule[]> {
  return new Map(repoFiles('alert-rules', '.rules.yml').map((file) => [file, readRules(file)]));
}

/**
 * Names an expression may use: firebreak's series, plus every metric the alert rules select or
 * record (the exporter metrics the rules are written against).
 */
export function knownMetricNames(): Set<string> {
  const known = firebreakSeriesNames();
  for (const rules of allRules().values()) {
    for (const rule of rules) {
      for (const name of metricNames(rule.expr)) known.add(name);
      if (rule.record !== undefined) known.add(rule.record);
    }
  }
  return known;
}
