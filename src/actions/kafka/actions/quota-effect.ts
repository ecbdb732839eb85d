/**
 * Effect verification of a producer quota, from the brokers' own data: a quota is judged by the
 * broker over its quota window (`quota.window.num` x `quota.window.size.seconds`, 11 x 1 s by
 * default), so after that window the bytes appended to the producers' topics (the growth of each
 * partition's largest replica, DescribeLogDirs) over a short sample are compared with what the
 * quotas allow (the rate times the throttled client-ids):
 * - `effective`: the topics grow at most {@link TOLERANCE} x the allowed rate;
 * - `no-effect`: they grow faster: the quota does not bind the traffic (the client-ids are not
 *   the topic's real producers, a user-level quota or a quota callback overrides it...);
 * - `unknown`: nothing was written during the sample, or no topic was named.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ActionContext, Verification } from '../../types.ts';

/** Slack for batch headers and the broker's averaging over its window. */
export const TOLERANCE = 1.5;
/** How long the growth is measured after the quota window. */
export const SAMPLE_MS = 8_000;

async function quotaWindowMs(ctx: ActionContext): Promise<number> {
  const { brokers } = await ctx.kafka.describeCluster();
  const id = brokers[0]?.nodeId;
  if (id === undefined) return 11_000;
  const entries = await ctx.kafka.describeConfigs({ type: 'broker', name: String(id) }, ['quota.window.num', 'quota.window.size.seconds']);
  const num = Number(entries.find((e) => e.name === 'quota.window.num')?.value ?? 11);
  const size = Number(entries.find((e) => e.name === 'quota.window.size.seconds')?.value ?? 1);
  return (Number.isFinite(num) && num > 0 ? num : 11) * (Number.isFinite(size) && size > 0 ? size : 1) * 1000;
}

/** Bytes of the largest replica of each partition of `topics`, summed. */
async function topicBytes(ctx: ActionContext, topics: readonly string[]): Promise<number> {
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

/** Pure: the verdict from the measured rate and the rate the quotas allow. */
export function judgeQuotaEffect(observedBytesPerSecond: number, allowedBytesPerSecond: number): Verification['effect'] {
  if (observedBytesPerSecond <= 0) return 'unknown';
  return observedBytesPerSecond <= allowedBytesPerSecond * TOLERANCE ? 'effective' : 'no-effect';
}

/** Waits out the quota window, measures the topics' growth, and judges (see the module comment). */
export async function verifyProducerQuota(ctx: ActionContext, input: { topics: readonly string[]; clients: readonly string[]; rate: number }): Promise<Verification> {
  const allowed = input.rate * Math.max(1, input.clients.length);
  if (input.topics.length === 0 || input.clients.length === 0) {
    return { effect: 'unknown', summary: 'no topic or client to measure: the effect of the quota is not checked', data: { topics: input.topics, clients: input.clients } };
  }
  const windowMs = await quotaWindowMs(ctx);
  const opts = ctx.signal === undefined ? {} : { signal: ctx.signal };
  await sleep(windowMs, undefined, opts);
  const first = await topicBytes(ctx, input.topics);
  const started = ctx.clock.now();
  await sleep(SAMPLE_MS, undefined, opts);
  const last = await topicBytes(ctx, input.topics);
  const seconds = Math.max(0.001, (ctx.clock.now() - started) / 1000);
  const observed = Math.round(Math.max(0, last - first) / seconds);
  const effect = judgeQuotaEffect(observed, allowed);
  const what = `${input.topics.join(', ')} grew ${observed} B/s over ${seconds.toFixed(1)} s after the ${windowMs / 1000} s quota window; the quota allows ${allowed} B/s (${input.rate} B/s x ${Math.max(1, input.clients.length)} client-id${input.clients.length > 1 ? 's' : ''})`;
  const summary =
    effect === 'effective'
      ? `quota effective: ${what}`
      : effect === 'no-effect'
        ? `quota has NO EFFECT: ${what}; the throttled client-ids may not be the topic's producers, or something overrides their quota`
        : `effect unknown: nothing was written to ${input.topics.join(', ')} during the sample`;
  return { effect, summary, data: { topics: input.topics, clients: input.clients, observedBytesPerSecond: observed, allowedBytesPerSecond: allowed, quotaWindowMs: windowMs, sampleMs: Math.round(seconds * 1000) } };
}
