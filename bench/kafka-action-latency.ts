/**
 * Latency of one containment round trip: `kafka.setClientQuota` execute followed by its revert,
 * through the action registry exactly as the engine runs it (params validated, prior state
 * captured, change applied and awaited on every broker, then reverted the same way).
 *
 *   npm run -s kafka -- start --brokers 3 --dir "$DIR"     # a local cluster (see docs/local-kafka.md)
 *   node bench/kafka-action-latency.ts --dir "$DIR" [--runs 30]
 *   node bench/kafka-action-latency.ts --brokers host:port,host:port [--runs 30]
 *   npm run -s kafka -- stop --dir "$DIR"
 *
 * Each run uses a fresh client-id, so no run sees another's quota. The first run is a warm-up
 * (connections, metadata) and is left out of the figures. Prints one line per run and a summary
 * (min, median, p90, max in ms) for execute, revert and the two together.
 */
import { parseArgs } from 'node:util';
import { createKafkaAdmin } from '../src/actions/kafka/client.ts';
import { registerKafkaActions } from '../src/actions/kafka/index.ts';
import { ActionRegistry } from '../src/actions/registry.ts';
import type { ActionContext } from '../src/actions/types.ts';
import { systemClock } from '../src/core/clock.ts';
import { silentLogger } from '../src/core/logger.ts';
import { benchBootstrap } from './support/cluster.ts';

const { values } = parseArgs({
  options: {
    brokers: { type: 'string' },
    dir: { type: 'string' },
    runs: { type: 'string', default: '20' },
  },
});

function summary(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  const fmt = (n: number): string => n.toFixed(0).padStart(6);
  return `${label.padEnd(17)} min ${fmt(sorted[0] ?? NaN)}  median ${fmt(at(0.5))}  p90 ${fmt(at(0.9))}  max ${fmt(sorted[sorted.length - 1] ?? NaN)}`;
}

const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
const brokers = await benchBootstrap(values, 'bench/kafka-action-latency.ts');
const registry = registerKafkaActions(new ActionRegistry());
const admin = createKafkaAdmin({ brokers: brokers.split(','), clientId: 'firebreak-bench' }, { logger: silentLogger() });
const ctx: ActionContext = {
  kafka: admin,
  clock: systemClock,
  logger: silentLogger(),
  limits: { minQuotaByteRate: 1024, minRetentionMs: 60_000, protectedTopics: [] },
};
const action = registry.get('kafka.setClientQuota');
const revert = action.revert;
if (revert === undefined) throw new Error('kafka.setClientQuota has no revert');

const executeMs: number[] = [];
const revertMs: number[] = [];
const totalMs: number[] = [];
try {
  const { brokers: nodes } = await admin.describeCluster();
  process.stdout.write(`kafka.setClientQuota execute + revert, ${nodes.length} broker(s) at ${brokers}, ${runs} run(s) after 1 warm-up\n`);
  for (let i = 0; i <= runs; i++) {
    const params = registry.validateParams('kafka.setClientQuota', {
      entity: { 'client-id': `bench-${process.pid}-${Date.now()}-${i}` },
      producerByteRate: 1_048_576,
    });
    const t0 = performance.now();
    const result = await action.execute(ctx, params);
    const t1 = performance.now();
    const outcome = await revert(ctx, params, { prior: result.prior, applied: result.applied });
    const t2 = performance.now();
    if (outcome.status !== 'reverted') throw new Error(`run ${i}: revert returned ${JSON.stringify(outcome)}`);
    if (i === 0) continue; // warm-up
    executeMs.push(t1 - t0);
    revertMs.push(t2 - t1);
    totalMs.push(t2 - t0);
    process.stdout.write(`run ${String(i).padStart(3)}: execute ${(t1 - t0).toFixed(0)} ms, revert ${(t2 - t1).toFixed(0)} ms\n`);
  }
  process.stdout.write(`${summary('execute (ms)', executeMs)}\n${summary('revert (ms)', revertMs)}\n${summary('execute+revert', totalMs)}\n`);
} finally {
  await admin.close();
}
