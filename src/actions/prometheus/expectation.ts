/**
 * Expectations on PromQL results, as runbook authors write them: a comparison and a number,
 * `< 1000`, `>= 0.5`, `== 0`, `!= 1`. An expectation holds when EVERY series of the result
 * satisfies it. An empty result (no series) has no value to compare: by default it does not
 * hold (`onEmpty: fail`), since "no data" is how a broken exporter looks too; authors who mean
 * "nothing above the threshold" write `onEmpty: pass` or aggregate with `or vector(0)`.
 * NaN satisfies nothing (not even `!=`), as in PromQL filters.
 */
import { prometheusError } from '../integration-errors.ts';

export const COMPARATORS = ['<', '<=', '>', '>=', '==', '!='] as const;
export type Comparator = (typeof COMPARATORS)[number];

export interface Expectation {
  op: Comparator;
  threshold: number;
  /** As written, normalised (`< 1000`). */
  text: string;
}

/** The JSON Schema pattern of `expect` (also accepts `1e3`, `-0.5`, `.5`). */
export const EXPECT_PATTERN = '^\\s*(<=|>=|==|!=|<|>)\\s*[-+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?\\s*$';

const PARSE = /^\s*(<=|>=|==|!=|<|>)\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*$/;

/** Parses `expect`; `PROMETHEUS_EXPECTATION_INVALID` (400) when it is not `<op> <number>`. */
export function parseExpectation(text: string): Expectation {
  const m = PARSE.exec(text);
  if (m === null) {
    throw prometheusError('PROMETHEUS_EXPECTATION_INVALID', `expect "${text}" must be a comparison and a number, e.g. "< 1000" or "== 0"`, {
      details: { expect: text },
    });
  }
  const op = m[1] as Comparator;
  const threshold = Number(m[2]);
  return { op, threshold, text: `${op} ${m[2] as string}` };
}

/** A sample value as Prometheus sends it: a number, or `NaN`, `+Inf`, `-Inf`. */
export type SampleValue = number | 'NaN' | '+Inf' | '-Inf';

/** Reads Prometheus's string form of a float (`"1.5"`, `"NaN"`, `"+Inf"`); null when it is none. */
export function parseSampleValue(text: unknown): SampleValue | null {
  if (text === 'NaN' || text === '+Inf' || text === '-Inf') return text;
  if (typeof text !== 'string' || text.trim() === '') return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

function numeric(value: SampleValue): number {
  if (value === 'NaN') return Number.NaN;
  if (value === '+Inf') return Number.POSITIVE_INFINITY;
  if (value === '-Inf') return Number.NEGATIVE_INFINITY;
  return value;
}

/** Whether one value satisfies the comparison. */
export function satisfies(value: SampleValue, e: Expectation): boolean {
  const v = numeric(value);
  if (Number.isNaN(v)) return false;
  switch (e.op) {
    case '<':
      return v < e.threshold;
    case '<=':
      return v <= e.threshold;
    case '>':
      return v > e.threshold;
    case '>=':
      return v >= e.threshold;
    case '==':
      return v === e.threshold;
    case '!=':
      return v !== e.threshold;
  }
}

export type OnEmpty = 'fail' | 'pass';

/** Whether the expectation holds for a whole result: every value satisfies it (see module comment). */
export function holdsFor(values: readonly SampleValue[], e: Expectation, onEmpty: OnEmpty): boolean {
  if (values.length === 0) return onEmpty === 'pass';
  return values.every((v) => satisfies(v, e));
}
