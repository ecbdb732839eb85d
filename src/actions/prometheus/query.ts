/**
 * `prometheus.query`: an instant PromQL query against the configured Prometheus, optionally
 * with an expectation (`expect: "< 1000"`) and a hold time (`for: 2m`: wait until the
 * expectation has held continuously that long, polling). Read-only.
 *
 * A query without `expect` only reports what it found. With `expect`, the step fails with
 * `PROMETHEUS_EXPECTATION_NOT_MET` (not retriable: asking again at once would give the same
 * answer; `for` is the way to wait) when the expectation does not hold, or did not hold for `for`
 * before the wait ended. The wait ends at `within` (default 1h) or when the step's own timeout
 * aborts it, whichever comes first: set the step's `timeout` above `for`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { FirebreakError, isFirebreakError } from '../../errors.ts';
import { DURATION_PATTERN, formatDuration, parseDuration } from '../../core/duration.ts';
import type { Action, ActionContext, Plan } from '../types.ts';
import { instantQuery, prometheusTarget, type InstantResult, type PrometheusTarget, type Series } from './api.ts';
import { EXPECT_PATTERN, holdsFor, parseExpectation, type Expectation, type OnEmpty, type SampleValue } from './expectation.ts';
import { waitUntilHeld } from './hold.ts';
import { prometheusError } from '../integration-errors.ts';

export interface PrometheusQueryParams {
  query: string;
  expect?: string;
  for?: string;
  /** Time between checks while waiting for `for` (default: a quarter of `for`, between 1s and 15s). */
  interval?: string;
  /** Longest wait for `for` to be reached (default 1h; the step's timeout may end it sooner). */
  within?: string;
  onEmpty: OnEmpty;
  /** How many series to report. */
  top: number;
}

export interface PrometheusQueryOutput {
  query: string;
  resultType: InstantResult['resultType'];
  evaluatedAt: string | null;
  seriesCount: number;
  /** The first `top` series. */
  series: Series[];
  truncated: boolean;
  /** The value when the result has exactly one series (`{{ steps.x.output.value }}`), else null. */
  value: SampleValue | null;
  /** The expectation as normalised, or null without one. */
  expect: string | null;
  /** Whether the expectation held (for `for`: continuously long enough); null without one. */
  held: boolean | null;
  for: string | null;
  /** How long it had held when the step ended, ms (0 for a single check that held). */
  heldForMs: number | null;
  checks: number;
  warnings: string[];
}

/** Longest `for` wait when the runbook sets no `within`. */
export const DEFAULT_WITHIN_MS = 3_600_000;
const MIN_INTERVAL_MS = 1_000;
const MAX_DEFAULT_INTERVAL_MS = 15_000;

/** The default time between checks for a hold time: `for / 4`, kept within 1s..15s. */
export function defaultIntervalMs(forMs: number): number {
  return Math.min(MAX_DEFAULT_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, Math.floor(forMs / 4)));
}

const DURATION = { type: 'string', pattern: DURATION_PATTERN } as const;

export const prometheusQuery: Action<PrometheusQueryParams, PrometheusQueryOutput> = {
  name: 'prometheus.query',
  description: 'Run an instant PromQL query; optionally check an expectation (expect: "< 1000"), held for a time (for: 2m).',
  mutating: false,
  defaultRevert: 'never',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['query'],
    dependentRequired: { for: ['expect'], interval: ['for'], within: ['for'] },
    properties: {
      query: { type: 'string', minLength: 1, maxLength: 16_384 },
      expect: { type: 'string', pattern: EXPECT_PATTERN },
      for: DURATION,
      interval: DURATION,
      within: DURATION,
      onEmpty: { type: 'string', enum: ['fail', 'pass'], default: 'fail' },
      top: { type: 'integer', minimum: 1, maximum: 1_000, default: 20 },
    },
  },

  async plan(_ctx, params): Promise<Plan> {
    const check = params.expect === undefined ? '' : ` expecting ${parseExpectation(params.expect).text}${params.for === undefined ? '' : ` for ${params.for}`}`;
    return { summary: `query Prometheus: ${params.query}${check}`, changes: [], touches: { topics: [], clients: [] } };
  },

  async execute(ctx, params) {
    const target = prometheusTarget(ctx.integrations);
    const expectation = params.expect === undefined ? null : parseExpectation(params.expect);
    const forMs = params.for === undefined ? 0 : (parseDuration(params.for) ?? 0);
    if (expectation === null) {
      const result = await instantQuery(target, params.query, ctx.signal);
      return { output: outputOf(params, result, null, null, 1) };
    }
    if (forMs === 0) {
      const result = await instantQuery(target, params.query, ctx.signal);
      const held = holdsFor(result.series.map((s) => s.value), expectation, params.onEmpty);
      const output = outputOf(params, result, held, 0, 1);
      if (!held) throw notMet(output, expectation, 'the expectation does not hold');
      return { output };
    }
    return { output: await hold(ctx, target, params, expectation, forMs) };
  },
};

async function hold(ctx: ActionContext, target: PrometheusTarget, params: PrometheusQueryParams, expectation: Expectation, forMs: number): Promise<PrometheusQueryOutput> {
  const intervalMs = params.interval === undefined ? defaultIntervalMs(forMs) : Math.max(MIN_INTERVAL_MS, parseDuration(params.interval) ?? MIN_INTERVAL_MS);
  const withinMs = params.within === undefined ? DEFAULT_WITHIN_MS : (parseDuration(params.within) ?? DEFAULT_WITHIN_MS);
  const outcome = await waitUntilHeld<InstantResult>({
    clock: ctx.clock,
    sleep: (ms, signal) => sleep(ms, undefined, signal === undefined ? {} : { signal }),
    check: async () => {
      const result = await instantQuery(target, params.query, ctx.signal);
      return { held: holdsFor(result.series.map((s) => s.value), expectation, params.onEmpty), value: result };
    },
    forMs,
    intervalMs,
    deadline: ctx.clock.now() + withinMs,
    ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
    // A query Prometheus cannot answer right now may answer at the next check; a bad query never will.
    isTransient: (err) => isFirebreakError(err) && err.retriable,
  });
  if (outcome.last === undefined) throw outcome.lastError;
  const output = outputOf(params, outcome.last, outcome.held, outcome.heldForMs, outcome.checks);
  if (outcome.held) return output;
  const why = outcome.reason === 'aborted' ? 'the step ended' : `${formatDuration(withinMs)} passed`;
  ctx.logger.info({ query: params.query, expect: expectation.text, for: params.for, heldForMs: outcome.heldForMs, checks: outcome.checks }, 'expectation did not hold long enough');
  throw notMet(output, expectation, `the expectation did not hold for ${params.for ?? ''} before ${why} (held ${formatDuration(outcome.heldForMs)} at the last check)`);
}

function outputOf(params: PrometheusQueryParams, result: InstantResult, held: boolean | null, heldForMs: number | null, checks: number): PrometheusQueryOutput {
  const only = result.series.length === 1 ? (result.series[0] as Series) : undefined;
  return {
    query: params.query,
    resultType: result.resultType,
    evaluatedAt: result.evaluatedAt,
    seriesCount: result.series.length,
    series: result.series.slice(0, params.top),
    truncated: result.series.length > params.top,
    value: only === undefined ? null : only.value,
    expect: params.expect === undefined ? null : parseExpectation(params.expect).text,
    held,
    for: params.for ?? null,
    heldForMs,
    checks,
    warnings: result.warnings,
  };
}

function notMet(output: PrometheusQueryOutput, expectation: Expectation, why: string): FirebreakError {
  const values = output.series.slice(0, 10).map((s) => ({ labels: s.labels, value: s.value }));
  const seen = output.seriesCount === 0 ? 'no series' : output.value !== null ? `value ${String(output.value)}` : `${output.seriesCount} series`;
  return prometheusError('PROMETHEUS_EXPECTATION_NOT_MET', `${output.query} ${expectation.text}: ${why} (${seen})`, {
    details: { query: output.query, expect: expectation.text, for: output.for, heldForMs: output.heldForMs, checks: output.checks, seriesCount: output.seriesCount, values },
  });
}
