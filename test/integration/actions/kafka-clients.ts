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
