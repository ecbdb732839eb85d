/**
 * Effect verification of a producer quota. A quota is judged by the broker over its quota window
 * (`quota.window.num` x `quota.window.size.seconds`, 11 x 1 s by default), so after that window
 * the bytes appended to the producers' topics over a short sample are compared with what the
 * quotas allow: the rate, times the throttled client-ids, times the brokers leading the topics'
 * partitions (each broker enforces a client's quota on its own).
 *
 * Where the figures come from (produce-rates.ts): Prometheus when it is configured and has the
 * topics' BytesIn series (the brokers' JMX metrics, the shipped exporter rules' names), with each
 * client-id's measured rate and throttle time alongside; otherwise, or when Prometheus has no
 * such series or cannot be asked, the brokers' own log dir sizes (DescribeLogDirs). The
 * verification says which (`data.source`) and, after a fallback, why.
 *
 * The sample lasts at least the quota window too: the broker holds a client to its quota on
 * average over that window, so over a shorter span a throttled client can legitimately burst.
 *
 * - `effective`: the topics grow at most {@link TOLERANCE} x the allowed rate (nothing at all
 *   counts only when Prometheus shows the brokers delaying a throttled client-id, throttle time,
 *   or when the producers were measured writing before the quota: a broker's first delay after a
 *   new quota can outlast the sample);
 * - `no-effect`: they grow faster: the quota does not bind the traffic (the client-ids are not
 *   the topic's real producers, a user-level quota or a quota callback overrides it...);
 * - `unknown`: nothing was written during the sample and nothing says why, or no topic was named.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { toFirebreakError } from '../../../errors.ts';
import type { PrometheusTarget } from '../../prometheus/api.ts';
import type { ActionContext, Verification } from '../../types.ts';
import { BYTES_IN, brokerGrowthRate, clientFigures, configuredPrometheus, leaderBrokers, quotaWindowMs, scalarOf, selector, topicBytesInRate } from './produce-rates.ts';

/** Slack for batch headers and the broker's averaging over its window. */
export const TOLERANCE = 1.5;
/** How long the growth is measured after the quota window, at least (and at least the window; Prometheus needs two scrapes in it). */
export const SAMPLE_MS = 8_000;
/** Longest wait for two scrapes of every BytesIn series after the quota window before the brokers are asked instead. */
export const PROMETHEUS_SAMPLE_LIMIT_MS = 60_000;

export interface QuotaEffectInput {
  /** The topics the producers write. */
  topics: readonly string[];
  /** The client-ids throttled. */
  clients: readonly string[];
  /** producer_byte_rate per client-id, bytes/s. */
  rate: number;
  /** The `cluster` label of this cluster's series in Prometheus. */
  cluster?: string;
  /** How fast the producers wrote before the quota, bytes/s, when it was measured (producer-safety.ts). */
  bytesPerSecondBefore?: number | null;
}

/**
 * Pure: the verdict from the measured rate and the rate the quotas allow; `throttled`: the
 * brokers report delaying a throttled client-id (Prometheus), which makes "nothing written" the
 * quota's doing rather than idle producers.
 */
export function judgeQuotaEffect(observedBytesPerSecond: number, allowedBytesPerSecond: number, throttled = false): Verification['effect'] {
  if (observedBytesPerSecond <= 0) return throttled ? 'effective' : 'unknown';
  return observedBytesPerSecond <= allowedBytesPerSecond * TOLERANCE ? 'effective' : 'no-effect';
}

interface Measured {
  source: 'prometheus' | 'brokers';
  observed: number;
  sampleMs: number;
  /** Prometheus only: the queries asked and the per-client-id figures. */
  details: Record<string, unknown>;
  /** One phrase: where the figure comes from. */
  how: string;
  /** Per-client-id figures, said after the verdict (Prometheus only). */
  clientText: string;
  /** Prometheus shows the brokers delaying at least one throttled client-id. */
  throttled: boolean;
}

const wait = (ctx: ActionContext, ms: number) => sleep(ms, undefined, ctx.signal === undefined ? {} : { signal: ctx.signal });

/**
 * The topics' BytesIn rate from Prometheus over the time since `windowEnd` (at least
 * {@link SAMPLE_MS}, and long enough for every series to have two samples), or why not.
 */
async function fromPrometheus(ctx: ActionContext, target: PrometheusTarget, input: QuotaEffectInput, windowEnd: number, sampleMs: number): Promise<Measured | { absent: string }> {
  const series = selector(BYTES_IN, 'topic', input.topics, input.cluster);
  const count = await scalarOf(ctx, target, `count(${series})`);
  if (count === null || count === 0) return { absent: `Prometheus has no ${series} series` };
  await wait(ctx, sampleMs);
  for (;;) {
    const elapsedMs = ctx.clock.now() - windowEnd;
    const range = Math.max(1, Math.floor(elapsedMs / 1000));
    const fewest = await scalarOf(ctx, target, `min(count_over_time(${series}[${range}s]))`);
    if (fewest !== null && fewest >= 2) {
      const rate = await topicBytesInRate(ctx, target, input.topics, range, input.cluster);
      if (rate.value === null) return { absent: `Prometheus has no samples of ${series} after the quota window` };
      const clients = await clientFigures(ctx, target, input.clients, input.cluster);
      const clientText = input.clients
        .map((c) => {
          const rateOf = clients.clientBytesPerSecond[c];
          const throttle = clients.clientThrottleTimeMs[c];
          return `${c}: ${rateOf === undefined ? 'no rate' : `${Math.round(rateOf)} B/s`}, ${throttle === undefined ? 'no throttle time' : `throttled ${Math.round(throttle)} ms`}`;
        })
        .join('; ');
      return {
        source: 'prometheus',
        observed: Math.round(rate.value),
        sampleMs: range * 1000,
        details: { queries: [rate.query, ...clients.queries], clientBytesPerSecond: clients.clientBytesPerSecond, clientThrottleTimeMs: clients.clientThrottleTimeMs },
        how: `by Prometheus (${BYTES_IN}) over ${range} s`,
        clientText: ` Per client-id, as the brokers measure it: ${clientText}.`,
        throttled: Object.values(clients.clientThrottleTimeMs).some((ms) => ms > 0),
      };
    }
    if (elapsedMs >= sampleMs + PROMETHEUS_SAMPLE_LIMIT_MS) return { absent: `Prometheus has fewer than two samples of ${series} within ${range} s after the quota window` };
    await wait(ctx, 1000);
  }
}

/** Prometheus's figures when it has them, else the brokers' own (with the reason in `details.fallback`). */
async function measure(ctx: ActionContext, input: QuotaEffectInput, windowEnd: number, sampleMs: number): Promise<Measured> {
  const target = configuredPrometheus(ctx);
  let fallback: string | undefined;
  if (target !== null) {
    try {
      const m = await fromPrometheus(ctx, target, input, windowEnd, sampleMs);
      if (!('absent' in m)) return m;
      fallback = m.absent;
    } catch (err) {
      if (ctx.signal?.aborted === true) throw err;
      const e = toFirebreakError(err);
      fallback = `Prometheus could not be asked (${e.code}: ${e.message})`;
    }
  }
  const growth = await brokerGrowthRate(ctx, input.topics, sampleMs);
  return {
    source: 'brokers',
    observed: growth.bytesPerSecond,
    sampleMs: growth.sampleMs,
    details: fallback === undefined ? {} : { fallback },
    how: `on the brokers (log dir sizes) over ${(growth.sampleMs / 1000).toFixed(1)} s${fallback === undefined ? '' : `, since ${fallback}`}`,
    clientText: '',
    throttled: false,
  };
}

/** Waits out the quota window, measures the topics' growth, and judges (see the module comment). */
export async function verifyProducerQuota(ctx: ActionContext, input: QuotaEffectInput): Promise<Verification> {
  if (input.topics.length === 0 || input.clients.length === 0) {
    return { effect: 'unknown', summary: 'no topic or client to measure: the effect of the quota is not checked', data: { topics: input.topics, clients: input.clients } };
  }
  const leaders = await leaderBrokers(ctx, input.topics);
  const allowed = input.rate * input.clients.length * leaders;
  const windowMs = await quotaWindowMs(ctx);
  await wait(ctx, windowMs);
  const m = await measure(ctx, input, ctx.clock.now(), Math.max(SAMPLE_MS, windowMs));
  // Nothing written where producers wrote before: held back, even where no throttle time says so.
  const before = input.bytesPerSecondBefore ?? 0;
  const heldBack = m.throttled || (m.observed === 0 && before > 0);
  const effect = judgeQuotaEffect(m.observed, allowed, heldBack);
  const n = input.clients.length;
  const what = `${input.topics.join(', ')} took ${m.observed} B/s, measured ${m.how} after the ${windowMs / 1000} s quota window; the quota allows ${allowed} B/s (${input.rate} B/s x ${n} client-id${n > 1 ? 's' : ''} x ${leaders} leading broker${leaders > 1 ? 's' : ''})`;
  const summary =
    effect === 'effective'
      ? `quota effective: ${what}${m.observed > 0 ? '' : m.throttled ? ': the brokers hold the producers back' : `, where the producers wrote ${Math.round(before)} B/s before the quota: the brokers hold them back (their first delay after a quota can last (producer rate / quota - 1) x the quota window)`}.${m.clientText}`
      : effect === 'no-effect'
        ? `quota has NO EFFECT: ${what}; the throttled client-ids may not be the topic's producers, or something overrides their quota.${m.clientText}`
        : `effect unknown: nothing was written to ${input.topics.join(', ')} during the sample (${m.source === 'prometheus' ? 'Prometheus' : 'the brokers'}).${m.clientText}`;
  return {
    effect,
    summary,
    data: {
      source: m.source,
      topics: input.topics,
      clients: input.clients,
      observedBytesPerSecond: m.observed,
      allowedBytesPerSecond: allowed,
      leaderBrokers: leaders,
      quotaWindowMs: windowMs,
      sampleMs: m.sampleMs,
      ...(input.bytesPerSecondBefore === undefined ? {} : { bytesPerSecondBefore: input.bytesPerSecondBefore }),
      ...m.details,
    },
  };
}
