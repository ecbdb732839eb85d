/**
 * The load of a natural consumer lag incident: a producer that writes faster than its consumer
 * reads.
 *
 * - The producer is Kafka's own `org.apache.kafka.tools.ProducerPerformance` (the kafka-tools jar
 *   of the cluster's version) at a fixed target rate, with a `client.id` the consumer lag
 *   runbook's `params.producers` names. It is an ordinary Java producer: a client quota slows it
 *   the way it slows any producer (the broker delays its answers), and it reports the rate it
 *   achieved every 5 seconds. It keeps its average rate: once a quota is lifted or raised it
 *   writes faster than the target until it has caught up, like an application whose requests
 *   queued while it was throttled.
 * - The consumer is a kafkajs consumer in this process that processes at most N messages a
 *   second and commits what it processed every 200 ms, so its lag grows at exactly
 *   (producer rate - N) and falls once N is raised with `setRate` (the consumer "scaled").
 *
 * Demo and test support only: firebreak itself never produces or consumes, and its own code
 * reaches kafkajs only through src/actions/kafka/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { kafkaToolsArtifact, parseKafkaVersion, resolveClasspath } from '../kafka/classpath.ts';
import { hasSetpriv } from '../kafka/process.ts';
import { parseDuration } from '../../src/core/duration.ts';

/**
 * The producer's buffer.memory and delivery.timeout.ms: a small buffer, so that when a quota slows
 * the producer send() waits for room (the producer slows down) instead of queueing minutes of
 * records, and a long timeout, so that none of them expires meanwhile.
 */
export const PRODUCER_BUFFER_MEMORY = 262_144;
export const PRODUCER_DELIVERY_TIMEOUT = '10m';

/** What ProducerPerformance reported for its last 5-second window. */
export interface ProducerReport {
  recordsPerSecond: number;
  megabytesPerSecond: number;
  avgLatencyMs: number;
  at: number;
}

export interface Producer {
  clientId: string;
  /** The last rate report, once there is one. */
  last(): ProducerReport | undefined;
  output(): string;
  /** Ends the producer (SIGTERM, then SIGKILL) and waits for its exit. */
  stop(): Promise<void>;
}

export interface ProducerOptions {
  kafkaVersion: string;
  bootstrapServers: string;
  topic: string;
  clientId: string;
  recordsPerSecond: number;
  recordBytes: number;
  /** For the logging config. */
  dir: string;
}

/** `promise`'s value, or 'timeout' after `ms`; the timer never outlives the race. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Parses one of ProducerPerformance's progress lines; undefined for any other line. */
export function parseProducerReport(line: string, at = Date.now()): ProducerReport | undefined {
  const m = /records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency/.exec(line);
  if (m === null) return undefined;
  return { recordsPerSecond: Number(m[1]), megabytesPerSecond: Number(m[2]), avgLatencyMs: Number(m[3]), at };
}

/** Starts ProducerPerformance; resolves once it reported its first window (it produces). */
export async function startProducer(options: ProducerOptions): Promise<Producer> {
  const version = parseKafkaVersion(options.kafkaVersion);
  const { entries } = await resolveClasspath(version, { extras: [kafkaToolsArtifact(version)] });
  const loggingFile = join(options.dir, version.logging === 'log4j1' ? 'producer-log4j.properties' : 'producer-log4j2.properties');
  await writeFile(
    loggingFile,
    version.logging === 'log4j1'
      ? 'log4j.rootLogger=WARN, stderr\nlog4j.appender.stderr=org.apache.log4j.ConsoleAppender\nlog4j.appender.stderr.Target=System.err\nlog4j.appender.stderr.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n\n'
      : 'status = warn\nappender.err.type = Console\nappender.err.name = err\nappender.err.target = SYSTEM_ERR\nappender.err.layout.type = PatternLayout\nappender.err.layout.pattern = [%d] %p %m (%c)%n\nrootLogger.level = warn\nrootLogger.appenderRef.err.ref = err\n',
  );
  const loggingProp = version.logging === 'log4j1' ? `-Dlog4j.configuration=file:${loggingFile}` : `-Dlog4j2.configurationFile=${loggingFile}`;
  // SIGKILLed if this process dies (Linux, setpriv --pdeathsig), like the test brokers.
  const [command, prefix] = hasSetpriv() ? ['setpriv', ['--pdeathsig', 'KILL', 'java']] : ['java', []];
  const child: ChildProcess = spawn(
    command,
    [
      ...prefix,
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      loggingProp,
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic',
      options.topic,
      '--num-records',
      String(Number.MAX_SAFE_INTEGER),
      '--record-size',
      String(options.recordBytes),
      '--throughput',
      String(options.recordsPerSecond),
      '--producer-props',
      `bootstrap.servers=${options.bootstrapServers}`,
      `client.id=${options.clientId}`,
      'acks=1',
      'linger.ms=5',
      `buffer.memory=${PRODUCER_BUFFER_MEMORY}`,
      'max.block.ms=600000',
      `delivery.timeout.ms=${parseDuration(PRODUCER_DELIVERY_TIMEOUT)}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CLASSPATH: entries.join(delimiter) } },
  );
  let output = '';
  let last: ProducerReport | undefined;
  let first!: () => void;
  const reported = new Promise<void>((resolve) => (first = resolve));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    output = (output + line + '\n').slice(-16_384);
    const report = parseProducerReport(line);
    if (report !== undefined) {
      last = report;
      first();
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-16_384)));
  const exit = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    if ((await within(exit, 10_000)) === 'timeout') {
      child.kill('SIGKILL');
      await exit;
    }
  };
  const started = await within(Promise.race([reported.then(() => true), exit.then(() => false)]), 120_000);
  if (started !== true) {
    await stop();
    throw new Error(`the producer did not report within 120 s:\n${output}`);
  }
  return { clientId: options.clientId, last: () => last, output: () => output, stop };
}

export interface PacedConsumer {
  /** Messages per second it processes at most from now on. */
  setRate(messagesPerSecond: number): void;
  rate(): number;
  /** Messages processed since it started. */
  processed(): number;
  stop(): Promise<void>;
}

export interface PacedConsumerOptions {
  bootstrapServers: string;
  topic: string;
  groupId: string;
  clientId: string;
  messagesPerSecond: number;
}

/**
 * A consumer in `groupId` that reads `topic` from the beginning at no more than
 * `messagesPerSecond` (a token bucket holding a fifth of a second of messages), committing the
 * offsets it processed every 200 ms. Resolves once it has joined the group and been assigned.
 */
export async function startPacedConsumer(options: PacedConsumerOptions): Promise<PacedConsumer> {
  const kafka = new Kafka({ brokers: options.bootstrapServers.split(','), clientId: options.clientId, logLevel: logLevel.NOTHING });
  const consumer: Consumer = kafka.consumer({ groupId: options.groupId, sessionTimeout: 30_000, heartbeatInterval: 3_000 });
  let rate = options.messagesPerSecond;
  let tokens = 0;
  let refilled = Date.now();
  let processed = 0;
  let running = true;
  const take = async () => {
    for (;;) {
      const now = Date.now();
      tokens = Math.min(rate / 5, tokens + ((now - refilled) / 1000) * rate);
      refilled = now;
      if (tokens >= 1) {
        tokens -= 1;
        return;
      }
      await delay(Math.max(1, Math.ceil(((1 - tokens) / rate) * 1000)));
    }
  };
  let joined!: () => void;
  const assigned = new Promise<void>((resolve) => (joined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: true });
  await consumer.run({
    autoCommit: true,
    // Often: the lag a lag exporter sees includes what was processed but not yet committed
    // (up to rate x interval), and the runbook's recovery threshold is 1,000 messages.
    autoCommitInterval: 200,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
      for (const message of batch.messages) {
        if (!running || !isRunning() || isStale()) break;
        await take();
        resolveOffset(message.offset);
        processed += 1;
        await heartbeat();
        await commitOffsetsIfNecessary();
      }
    },
  });
  if ((await within(assigned, 60_000)) === 'timeout') {
    await consumer.disconnect();
    throw new Error(`consumer ${options.clientId} did not join group ${options.groupId} within 60 s`);
  }
  return {
    setRate: (perSecond) => {
      if (!(perSecond > 0)) throw new Error(`rate must be positive, got ${perSecond}`);
      rate = perSecond;
    },
    rate: () => rate,
    processed: () => processed,
    async stop() {
      running = false;
      await consumer.disconnect();
    },
  };
}
