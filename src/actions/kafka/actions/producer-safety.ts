/**
 * Producer-safe throttling: what a producer throttle does to the producers, the lowest rate at
 * which it keeps their records, and how long it may hold.
 *
 * What a producer experiences under a quota of Q bytes/s while it wants to write R > Q: the broker
 * answers its produce requests with a throttle time and serves it nothing more until that time
 * has passed (the client waits too; lifting the quota does not shorten a delay already given),
 * its buffer (`buffer.memory`, B) fills and `send()` blocks (up to `max.block.ms`, then fails),
 * and a batch that waits longer than `delivery.timeout.ms` (D) expires: the client drops its
 * records and reports an error to the application. Measured on real brokers and Java producers:
 *
 * - **The first delay.** A broker that already tracks the client's rate (any client quota exists
 *   on it) answers the first request over the new quota with a delay of (R / Q - 1) x W, W the
 *   quota window (`quota.window.num` x `quota.window.size.seconds`, 11 s by default): a producer
 *   throttled to a fifth of its rate hears nothing for about 44 s, whatever happens to the quota
 *   meanwhile. Records waiting that long in its buffer are lost once it passes D, so the quota is
 *   never below R x W / (D - s + W): the **floor** relative to the observed rate (s: a slack for
 *   the drain after the delay and a loaded machine). Above the floor the first delay stays below
 *   D - s.
 * - **The queue.** Each second of throttle queues R - Q bytes, sent at Q once the first delay is
 *   over: the record appended t seconds into the throttle waits T1 + t (R / Q - 1), T1 the first
 *   delay, and records start to expire once the throttle has held D / (1 - Q / R) - W (a producer
 *   throttled to an eighth of its rate, D = 120 s: 126 s; measured where the broker had not
 *   tracked it before, so without a first delay: 137 s), never before D. Released after T, the oldest record
 *   still queued is T (1 - Q / R) + (1 - Q / R) W old and needs up to s to leave, so the throttle
 *   is safe while T <= (D - s) / (1 - Q / R) - W: its **hold limit**, after which the engine
 *   releases it.
 * - **A buffer that drains in time.** When the first delay plus a full buffer's drain at the quota
 *   fit in D - s (T1 + B / Q <= D - s; 32 MiB and 120 s: from about 330 KiB/s for a producer no
 *   faster than the quota), no record waits D however long the throttle holds: no hold limit.
 * - An unknown R (no topic and no metrics to measure it), or one at or below Q now (the producers
 *   may speed up), counts as R -> infinity for the hold limit: D - s - W. No floor can be derived
 *   from an unknown rate: the plan says so.
 *
 * R is the observed rate times {@link RATE_MARGIN}. Q is the quota per broker: a client writing to
 * several brokers may get more, so the figures err on the safe side.
 */
import { toFirebreakError } from '../../../errors.ts';
import { formatDuration } from '../../../core/duration.ts';
import type { ActionContext } from '../../types.ts';
import { brokerGrowthRate, clientFigures, configuredPrometheus, quotaWindowMs, topicBytesInRate } from './produce-rates.ts';

/** The Java producer's defaults: `buffer.memory` and `delivery.timeout.ms`. */
export const PRODUCER_BUFFER_BYTES = 33_554_432;
export const PRODUCER_DELIVERY_TIMEOUT_MS = 120_000;
/** Slack on top of the quota window: the drain after a delay, the release itself, a loaded machine. */
export const SLACK_MS = 10_000;
/**
 * The observed produce rate is multiplied by this before the floor, the first delay and the hold
 * limit are derived: a few seconds' sample can miss what the brokers then measure over their
 * quota window (a producer that fell behind sends faster to catch up). Measured on a heavily
 * loaded machine: a Java producer the brokers' log growth showed at 25.6 KB/s was delayed as one
 * of at least 34 KB/s.
 */
export const RATE_MARGIN = 1.5;
/** How long the brokers' log dir sizes are watched to learn the produce rate when Prometheus cannot say. */
export const RATE_SAMPLE_MS = 3_000;

/** A duration for prose, to the second, rounded down (the figures themselves stay exact). */
export function roughly(ms: number): string {
  return formatDuration(ms, 'human');
}

/** What the producers of a throttled client-id are configured with. */
export interface ProducerSettings {
  deliveryTimeoutMs: number;
  bufferBytes: number;
}

/** How fast the throttled producers write now, and from where that figure comes. */
export interface ObservedRate {
  /** Bytes/s of the fastest client-id (or of the topics, each client's upper bound); null: unknown. */
  bytesPerSecond: number | null;
  /** `prometheus-clients` (the brokers' per client-id rate), `prometheus-topics` (BytesIn), `brokers` (log dir growth). */
  source: 'prometheus-clients' | 'prometheus-topics' | 'brokers' | null;
  /** Why the rate is unknown, or why a source was passed over. */
  note?: string;
}

export interface ProducerSafety {
  /** `buffer-drains`: no hold limit needed; `bounded`: released at `holdLimitMs`. */
  case: 'buffer-drains' | 'bounded';
  /** The rate the runbook asked for, and the rate set: at least the floor. */
  requestedRate: number;
  rate: number;
  /** R x W / (D - s + W); null without a known rate. */
  floor: number | null;
  observed: ObservedRate;
  deliveryTimeoutMs: number;
  bufferBytes: number;
  quotaWindowMs: number;
  /** {@link SLACK_MS}. */
  slackMs: number;
  /** A full buffer drains in this long at the quota. */
  drainMs: number;
  /** The broker's first delay, (R / Q - 1) x W; null when the producers write no faster than Q, or R is unknown. */
  firstDelayMs: number | null;
  /** Held this long, the throttle makes the producers drop records; null: never. */
  expiresAfterMs: number | null;
  /** The engine releases the throttle once it has held this long; null: no bound needed. */
  holdLimitMs: number | null;
  /** One paragraph for the plan: what producers experience, the risk, the bounds. */
  summary: string;
}

/** Pure: the judgement of a throttle to `requested` bytes/s (see the module comment). */
export function producerSafety(requested: number, observed: ObservedRate, producers: ProducerSettings, windowMs: number): ProducerSafety {
  const D = producers.deliveryTimeoutMs;
  const B = producers.bufferBytes;
  const W = windowMs;
  // The rate the brokers will see may exceed the one measured (a short sample, a producer
  // catching up after a slow spell): the judgement assumes RATE_MARGIN times as much.
  const R = observed.bytesPerSecond === null ? null : observed.bytesPerSecond * RATE_MARGIN;
  const room = D - SLACK_MS;
  // Below the floor the broker's first delay alone would outlast the delivery timeout.
  const floor = R === null ? null : room <= 0 ? Math.ceil(R) : Math.ceil((R * W) / (room + W));
  const rate = Math.max(requested, floor ?? 0);
  const faster = R !== null && R > rate;
  const firstDelayMs = faster ? Math.round((R / rate - 1) * W) : null;
  const drainMs = Math.round((B / rate) * 1000);
  const base = { requestedRate: requested, rate, floor, observed, deliveryTimeoutMs: D, bufferBytes: B, quotaWindowMs: W, slackMs: SLACK_MS, drainMs, firstDelayMs };
  const d = formatDuration(D);
  const raised =
    rate > requested
      ? `Raised from ${requested} B/s to ${rate} B/s, the floor at their rate: lower, the brokers' first delay ((producer rate / quota - 1) x the ${formatDuration(W)} quota window) would outlast their delivery.timeout.ms of ${d}. `
      : '';
  const delay =
    firstDelayMs !== null
      ? `The brokers may first hold them back for about ${roughly(firstDelayMs)} at once. `
      : R === null
        ? 'Their rate is unknown, so no floor keeps the brokers\' first delay within their delivery timeout. '
        : '';
  if (R !== null && (firstDelayMs ?? 0) + drainMs <= room) {
    return {
      ...base,
      case: 'buffer-drains',
      expiresAfterMs: null,
      holdLimitMs: null,
      summary: `${raised}Producers faster than ${rate} B/s are slowed (the broker delays its answers) and block in send() once their buffer is full. ${delay}A full ${B} B buffer drains in ${roughly(drainMs)} at the quota, so with that no record waits their delivery.timeout.ms of ${d}, however long the throttle holds.`,
    };
  }
  // Each second of throttle queues (1 - Q/R) seconds of records; unknown or not faster: every second.
  const backlog = faster ? 1 - rate / R : 1;
  // No record can expire before it has waited D.
  const expiresAfterMs = Math.round(Math.max(D, D / backlog - W));
  const holdLimitMs = Math.max(0, Math.round(room / backlog - W));
  const at =
    R === null
      ? `at an unknown produce rate${observed.note === undefined ? '' : ` (${observed.note})`}`
      : faster
        ? `at the ${observed.bytesPerSecond} B/s they write now (${observed.source}; counted as ${Math.round(R)} B/s)`
        : `should they speed up (they write ${observed.bytesPerSecond} B/s now, ${observed.source})`;
  return {
    ...base,
    case: 'bounded',
    expiresAfterMs,
    holdLimitMs,
    summary: `${raised}RISK: producers faster than ${rate} B/s block in send() and queue records. ${delay}A full ${B} B buffer takes ${roughly(drainMs)} to drain at the quota, longer than their delivery.timeout.ms of ${d}: ${at} the client drops records once the throttle has held about ${roughly(expiresAfterMs)}. Bound: the throttle is released after ${roughly(holdLimitMs)}, before that.`,
  };
}

/**
 * How fast the producers write now: each client-id's rate as the brokers measure it (Prometheus),
 * else the topics' BytesIn over the last minute (Prometheus), else the topics' growth on the
 * brokers over {@link RATE_SAMPLE_MS}; unknown without topics or figures. A Prometheus that
 * cannot be asked is passed over (said in `note`).
 */
export async function observeProduceRate(ctx: ActionContext, input: { clients: readonly string[]; topics: readonly string[]; cluster?: string }): Promise<ObservedRate> {
  const target = configuredPrometheus(ctx);
  let note: string | undefined;
  if (target !== null) {
    try {
      const { clientBytesPerSecond } = await clientFigures(ctx, target, input.clients, input.cluster);
      const rates = input.clients.map((c) => clientBytesPerSecond[c]).filter((r): r is number => r !== undefined);
      if (rates.length > 0 && rates.length === input.clients.length) return { bytesPerSecond: Math.round(Math.max(...rates)), source: 'prometheus-clients' };
      if (input.topics.length > 0) {
        const { value } = await topicBytesInRate(ctx, target, input.topics, 60, input.cluster);
        if (value !== null) return { bytesPerSecond: Math.round(value), source: 'prometheus-topics' };
      }
      note = 'Prometheus has no produce rate of these client-ids or topics';
    } catch (err) {
      if (ctx.signal?.aborted === true) throw err;
      note = `Prometheus could not be asked (${toFirebreakError(err).code})`;
    }
  }
  if (input.topics.length === 0) return { bytesPerSecond: null, source: null, note: note ?? 'no topic to measure' };
  const { bytesPerSecond } = await brokerGrowthRate(ctx, input.topics, RATE_SAMPLE_MS);
  return { bytesPerSecond, source: 'brokers', ...(note === undefined ? {} : { note }) };
}

/** The judgement of a throttle on this cluster now: reads the quota window and the produce rate. */
export async function judgeProducerSafety(
  ctx: ActionContext,
  input: { rate: number; clients: readonly string[]; topics: readonly string[]; cluster?: string; producers: ProducerSettings },
): Promise<ProducerSafety> {
  const windowMs = await quotaWindowMs(ctx);
  return producerSafety(input.rate, await observeProduceRate(ctx, input), input.producers, windowMs);
}
