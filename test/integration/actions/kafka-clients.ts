/**
 * Real producers and consumers for the read-only action tests (data on disk, a group with
 * committed offsets). Test support only: firebreak itself never produces or consumes, and its
 * own code reaches kafkajs only through src/actions/kafka/.
 */
import { Kafka, logLevel, Partitioners, type Consumer } from 'kafkajs';
import type { Cluster } from '../../support/kafka.ts';

function kafka(cluster: Cluster, clientId: string): Kafka {
  return new Kafka({ brokers: cluster.bootstrapServers.split(','), clientId, logLevel: logLevel.NOTHING });
}

/** Writes `count` messages of `bytes` bytes to each partition (acks=all), then disconnects. */
export async function produce(cluster: Cluster, topic: string, partitions: number[], count: number, bytes: number): Promise<void> {
  const producer = kafka(cluster, 'firebreak-test-producer').producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const value = Buffer.alloc(bytes, 'x');
    for (const partition of partitions) {
      for (let sent = 0; sent < count; sent += 100) {
        const batch = Array.from({ length: Math.min(100, count - sent) }, () => ({ partition, value }));
        await producer.send({ topic, acks: -1, messages: batch });
      }
    }
  } finally {
    await producer.disconnect();
  }
}

/**
 * A consumer in `group` that reads `topic` from the beginning and commits offset `commitUpTo`
 * (the next offset to read) on every partition, and nothing beyond. Resolves once every
 * partition's commit is done; the consumer stays a member until `stop()`.
 */
export async function consumeAndCommit(
  cluster: Cluster,
  group: string,
  topic: string,
  partitions: number,
  commitUpTo: number,
): Promise<{ stop: () => Promise<void> }> {
  const consumer: Consumer = kafka(cluster, 'firebreak-test-consumer').consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  await consumer.connect();
  let resolveDone!: () => void;
  let rejectDone!: (err: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  const committed = new Set<number>();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (Number(message.offset) !== commitUpTo - 1) return;
        try {
          await consumer.commitOffsets([{ topic, partition, offset: String(commitUpTo) }]);
          committed.add(partition);
          if (committed.size === partitions) resolveDone();
        } catch (err) {
          rejectDone(err);
        }
      },
    });
    await withTimeout(done, 30_000, `group ${group} committing offset ${commitUpTo} on ${partitions} partitions`);
  } catch (err) {
    await consumer.disconnect();
    throw err;
  }
  return { stop: () => consumer.disconnect() };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A producer writing `perSecond` small messages per second, spread over `partitions` (round
 * robin), until `stop()`; `sent()` counts the acknowledged ones.
 */
export async function produceSteadily(
  cluster: Cluster,
  topic: string,
  partitions: number[],
  perSecond: number,
  options: { clientId?: string; bytes?: number } = {},
): Promise<{ stop: () => Promise<void>; sent: () => number }> {
  const producer = kafka(cluster, options.clientId ?? 'firebreak-test-steady-producer').producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  let stopped = false;
  let sent = 0;
  const tickMs = 100;
  const perTick = Math.max(1, Math.round((perSecond * tickMs) / 1000));
  const loop = (async () => {
    let i = 0;
    while (!stopped) {
      const started = Date.now();
      const messages = Array.from({ length: perTick }, () => ({ partition: partitions[i++ % partitions.length] as number, value: 'x'.repeat(options.bytes ?? 100) }));
      await producer.send({ topic, acks: -1, messages });
      sent += messages.length;
      await new Promise((r) => setTimeout(r, Math.max(0, tickMs - (Date.now() - started))));
    }
  })();
  return {
    sent: () => sent,
    stop: async () => {
      stopped = true;
      await loop.catch(() => undefined);
      await producer.disconnect();
    },
  };
}

/**
 * A member of `group` on `topic` that handles each message in `perMessageMs` and commits what it
 * handled every `commitEveryMs` (0: never commits); the partitions in `paused` are never read.
 * Resolves once the member has its assignment.
 */
export async function consumeSlowly(
  cluster: Cluster,
  group: string,
  topic: string,
  options: { perMessageMs: number; commitEveryMs: number; paused?: number[] },
): Promise<{ stop: () => Promise<void> }> {
  const consumer: Consumer = kafka(cluster, 'firebreak-test-slow-consumer').consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  await consumer.connect();
  let assigned!: () => void;
  const joined = new Promise<void>((resolve) => (assigned = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => assigned());
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: options.commitEveryMs > 0,
    autoCommitInterval: options.commitEveryMs > 0 ? options.commitEveryMs : null,
    eachMessage: async () => {
      if (options.perMessageMs > 0) await new Promise((r) => setTimeout(r, options.perMessageMs));
    },
  });
  if (options.paused !== undefined && options.paused.length > 0) consumer.pause([{ topic, partitions: options.paused }]);
  await withTimeout(joined, 30_000, `group ${group} joining`);
  return { stop: () => consumer.disconnect() };
}

/** Writes `count` records of `bytes` bytes to partition 0 with a CreateTime `ageMs` in the past, in batches of 100. */
export async function produceAged(cluster: Cluster, topic: string, count: number, bytes: number, ageMs: number): Promise<void> {
  const producer = kafka(cluster, 'firebreak-test-aged-producer').producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const value = Buffer.alloc(bytes, 'x');
    const timestamp = String(Date.now() - ageMs);
    for (let sent = 0; sent < count; sent += 100) {
      await producer.send({ topic, acks: -1, messages: Array.from({ length: Math.min(100, count - sent) }, () => ({ partition: 0, value, timestamp })) });
    }
  } finally {
    await producer.disconnect();
  }
}
