/**
 * The consumer lag incident `npm run demo` shows and the closed-loop end-to-end test asserts: the
 * producer `orders-service` writes 800 records of 500 bytes a second to `orders`; the consumer
 * group `billing` processes 400 a second, so its lag grows by about 400 messages a second and
 * passes the 10,000 of KafkaConsumerGroupLagHigh within half a minute. firebreak's quota
 * (100 KiB/s, about 190 records a second) lets the slow consumer catch up; its gradual release
 * (100, 200, 400, 800 KiB/s, 1.6 MiB/s, none) cannot pass 400 KiB/s (about 700 records a second)
 * while the consumer stays slow; "scaling" the consumer (4,000 a second) removes the cause, and
 * the release completes.
 */
import { dropKafkajsNegativeTimeoutWarning } from '../../src/actions/kafka/warnings.ts';
import { PRODUCER_BUFFER_MEMORY, PRODUCER_DELIVERY_TIMEOUT, startPacedConsumer, startProducer, type PacedConsumer, type Producer } from './load.ts';
import type { Pipeline, PipelineOptions } from './pipeline.ts';

export const SCENARIO = {
  topic: 'orders',
  partitions: 3,
  group: 'billing',
  consumerClientId: 'billing-worker',
  producerClientId: 'orders-service',
  producerRecordsPerSecond: 800,
  recordBytes: 500,
  slowConsumerPerSecond: 400,
  fastConsumerPerSecond: 4000,
  /**
   * runbooks/consumer-lag.yaml params for this load: a quota below the slow consumer's pace; the
   * release's hold at each level and the recovery hold in seconds instead of minutes; "caught up"
   * below 5,000 messages (6 s of this producer: between two of the lag exporter's scans a healthy
   * group's lag moves by more than the default 1,000 once the producer, released, catches up);
   * the producer's own delivery.timeout.ms and buffer.memory (load.ts), from which firebreak judges
   * that the throttle may hold as long as the incident needs without the producer dropping records.
   */
  runbookParams: { producerByteRate: 102_400, releaseHold: '10s', recoveryHold: '20s', lagRecovered: 5_000, producerDeliveryTimeout: PRODUCER_DELIVERY_TIMEOUT, producerBufferMemory: PRODUCER_BUFFER_MEMORY },
} as const;

/** The pipeline options of the scenario (everything but the directory and the Kafka version). */
export function scenarioPipelineOptions(): Omit<PipelineOptions, 'dir'> {
  return {
    topic: SCENARIO.topic,
    partitions: SCENARIO.partitions,
    group: SCENARIO.group,
    producerClientId: SCENARIO.producerClientId,
    runbookParams: { ...SCENARIO.runbookParams },
  };
}

export interface Load {
  producer: Producer;
  consumer: PacedConsumer;
  stop(): Promise<void>;
}

/** Starts the slow consumer, then the producer (which outruns it). */
export async function startScenarioLoad(pipeline: Pipeline, dir: string): Promise<Load> {
  // kafkajs's consumer runs in this process: keep its known, harmless warning off the output.
  dropKafkajsNegativeTimeoutWarning();
  const consumer = await startPacedConsumer({
    bootstrapServers: pipeline.kafka.bootstrapServers,
    topic: SCENARIO.topic,
    groupId: SCENARIO.group,
    clientId: SCENARIO.consumerClientId,
    messagesPerSecond: SCENARIO.slowConsumerPerSecond,
  });
  const producer = await startProducer({
    kafkaVersion: pipeline.kafka.version,
    bootstrapServers: pipeline.kafka.bootstrapServers,
    topic: SCENARIO.topic,
    clientId: SCENARIO.producerClientId,
    recordsPerSecond: SCENARIO.producerRecordsPerSecond,
    recordBytes: SCENARIO.recordBytes,
    dir,
  }).catch(async (err: unknown) => {
    await consumer.stop();
    throw err;
  });
  return {
    producer,
    consumer,
    async stop() {
      await producer.stop();
      await consumer.stop();
    },
  };
}
