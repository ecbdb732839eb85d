/**
 * How fast producers write, measured where the data exists. Two sources:
 *
 * - **Prometheus** (when `prometheus.url` is configured), from the brokers' JMX metrics under the
 *   names the shipped JMX exporter rules give them (alert-rules/exporters/kafka-broker-jmx.yml):
 *   `kafka_server_brokertopicmetrics_bytesin_total{topic}` (bytes producers appended to a topic,
 *   a counter on each broker leading its partitions), `kafka_server_produce_byte_rate{client_id}`
 *   and `kafka_server_produce_throttle_time{client_id}` (a client-id's produce rate and the delay
 *   the broker imposes on it, as its quota manager measures them over the quota window: present
 *   once any client quota exists on the broker). With a `cluster` given, every selector also has
 *   `cluster="<name>"`, the label the shipped alert rules require on every series.
 * - **The brokers** themselves: the growth of each partition's largest replica (DescribeLogDirs)
 *   over a short sample.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { instantQuery, prometheusTarget, type PrometheusTarget } from '../../prometheus/api.ts';
import type { ActionContext } from '../../types.ts';

export const BYTES_IN = 'kafka_server_brokertopicmetrics_bytesin_total';
export const CLIENT_PRODUCE_RATE = 'kafka_server_produce_byte_rate';
export const CLIENT_THROTTLE_TIME = 'kafka_server_produce_throttle_time';

/** Kafka's default quota window: `quota.window.num` 11 x `quota.window.size.seconds` 1. */
export const DEFAULT_QUOTA_WINDOW_MS = 11_000;

/** A PromQL string literal's content: backslash, double quote and line breaks escaped. */
function promString(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n').replaceAll('\r', '\\r');
}

/** A regex (RE2) matching exactly one of `values`. */
function alternation(values: readonly string[]): string {
  return values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
}

/**
 * A series selector: `metric{label="v"}` for one value, `metric{label=~"a|b"}` for several
 * (Prometheus anchors regex matchers), plus `cluster="..."` when given. Pure.
 */
export function selector(metric: string, label: string, values: readonly string[], cluster?: string): string {
  const matchers = [values.length === 1 ? `${label}="${promString(values[0] as string)}"` : `${label}=~"${promString(alternation(values))}"`];
  if (cluster !== undefined && cluster !== '') matchers.push(`cluster="${promString(cluster)}"`);
  return `${metric}{${matchers.join(',')}}`;
}

/** The configured Prometheus, or null when none is. */
export function configuredPrometheus(ctx: ActionContext): PrometheusTarget | null {
  const url = ctx.integrations?.prometheus?.url;
  return url === undefined || url === null || url === '' ? null : prometheusTarget(ctx.integrations);
}

/** The value of a query that yields one number (a `sum`, `min`...), null when it yields no series. */
export async function scalarOf(ctx: ActionContext, target: PrometheusTarget, query: string): Promise<number | null> {
  const { series } = await instantQuery(target, query, ctx.signal);
  const value = series[0]?.value;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** One number per value of `label` (e.g. per client_id); NaN and infinities left out. */
export async function byLabel(ctx: ActionContext, target: PrometheusTarget, query: string, label: string): Promise<Record<string, number>> {
  const { series } = await instantQuery(target, query, ctx.signal);
  const out: Record<string, number> = {};
  for (const s of series) {
    const key = s.labels[label];
    if (key !== undefined && typeof s.value === 'number' && Number.isFinite(s.value)) out[key] = s.value;
  }
  return out;
}

/** The quota window the brokers judge a quota over, ms (`quota.window.num` x `quota.window.size.seconds`). */
export async function quotaWindowMs(ctx: ActionContext): Promise<number> {
  const { brokers } = await ctx.kafka.describeCluster();
  const id = brokers[0]?.nodeId;
  if (id === undefined) return DEFAULT_QUOTA_WINDOW_MS;
  const entries = await ctx.kafka.describeConfigs({ type: 'broker', name: String(id) }, ['quota.window.num', 'quota.window.size.seconds']);
  const num = Number(entries.find((e) => e.name === 'quota.window.num')?.value ?? 11);
  const size = Number(entries.find((e) => e.name === 'quota.window.size.seconds')?.value ?? 1);
  return (Number.isFinite(num) && num > 0 ? num : 11) * (Number.isFinite(size) && size > 0 ? size : 1) * 1000;
}

/**
 * How many brokers lead partitions of `topics`: a client quota is enforced by each broker on its
 * own, so a client-id may write its quota to each of them.
 */
export async function leaderBrokers(ctx: ActionContext, topics: readonly string[]): Promise<number> {
  if (topics.length === 0) return 1;
  const described = await ctx.kafka.describeTopics([...topics]);
  const leaders = new Set(described.flatMap((t) => t.partitions.map((p) => p.leader)).filter((l) => l >= 0));
  return Math.max(1, leaders.size);
}

/** Bytes of the largest replica of each partition of `topics`, summed (DescribeLogDirs). */
export async function topicBytes(ctx: ActionContext, topics: readonly string[]): Promise<number> {
  const largest = new Map<string, number>();
  for (const dir of await ctx.kafka.describeLogDirs()) {
    for (const p of dir.partitions) {
      if (!topics.includes(p.topic) || p.isFuture) continue;
      const key = `${p.topic}-${p.partition}`;
      largest.set(key, Math.max(largest.get(key) ?? 0, p.sizeBytes));
    }
  }
  return [...largest.values()].reduce((s, b) => s + b, 0);
}

/** How fast `topics` grow on the brokers, bytes/s, measured over `sampleMs`. */
export async function brokerGrowthRate(ctx: ActionContext, topics: readonly string[], sampleMs: number): Promise<{ bytesPerSecond: number; sampleMs: number }> {
  const first = await topicBytes(ctx, topics);
  const started = ctx.clock.now();
  await sleep(sampleMs, undefined, ctx.signal === undefined ? {} : { signal: ctx.signal });
  const last = await topicBytes(ctx, topics);
  const elapsed = Math.max(1, ctx.clock.now() - started);
  return { bytesPerSecond: Math.round((Math.max(0, last - first) * 1000) / elapsed), sampleMs: elapsed };
}

/** What Prometheus says about the producers of `topics` with client-ids `clients`. */
export interface PrometheusProduceFigures {
  /** Bytes/s into the topics over `rangeSeconds` (BytesIn), null without series. */
  topicBytesPerSecond: number | null;
  rangeSeconds: number;
  /** The broker's measured produce rate per client-id, bytes/s (absent: no series). */
  clientBytesPerSecond: Record<string, number>;
  /** The broker's produce throttle time per client-id, ms (the largest of any broker). */
  clientThrottleTimeMs: Record<string, number>;
  queries: string[];
}

/** The per-client-id figures (rate and throttle time), each empty when Prometheus has no series. */
export async function clientFigures(
  ctx: ActionContext,
  target: PrometheusTarget,
  clients: readonly string[],
  cluster?: string,
): Promise<Pick<PrometheusProduceFigures, 'clientBytesPerSecond' | 'clientThrottleTimeMs' | 'queries'>> {
  if (clients.length === 0) return { clientBytesPerSecond: {}, clientThrottleTimeMs: {}, queries: [] };
  const rateQuery = `sum by (client_id) (${selector(CLIENT_PRODUCE_RATE, 'client_id', clients, cluster)})`;
  const throttleQuery = `max by (client_id) (${selector(CLIENT_THROTTLE_TIME, 'client_id', clients, cluster)})`;
  const [clientBytesPerSecond, clientThrottleTimeMs] = await Promise.all([byLabel(ctx, target, rateQuery, 'client_id'), byLabel(ctx, target, throttleQuery, 'client_id')]);
  return { clientBytesPerSecond, clientThrottleTimeMs, queries: [rateQuery, throttleQuery] };
}

/** Bytes/s into `topics` over the last `rangeSeconds` (BytesIn on every broker), null without series. */
export async function topicBytesInRate(ctx: ActionContext, target: PrometheusTarget, topics: readonly string[], rangeSeconds: number, cluster?: string): Promise<{ value: number | null; query: string }> {
  const query = `sum(rate(${selector(BYTES_IN, 'topic', topics, cluster)}[${rangeSeconds}s]))`;
  return { value: await scalarOf(ctx, target, query), query };
}
