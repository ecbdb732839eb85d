/**
 * A real Java producer from the Kafka jars of the tested version: Kafka's own
 * `org.apache.kafka.tools.VerifiableProducer` (kafka-tools), run with `java -cp` on the cached
 * classpath scripts/kafka resolves. It writes `maxMessages` records at about `perSecond` and prints
 * one JSON event per record: acknowledged, or failed with the client's exception (a batch that
 * waited longer than `delivery.timeout.ms` fails with a TimeoutException "Expiring N record(s)").
 * On its way out it closes the producer (every record acknowledged or failed) and prints how many
 * it sent and how many were acknowledged.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { kafkaToolsArtifact, parseKafkaVersion, resolveClasspath } from '../../../scripts/kafka/classpath.ts';
import { hasSetpriv } from '../../../scripts/kafka/process.ts';
import type { Cluster } from '../../support/kafka.ts';

export interface SendFailure {
  /** When the client reported it, epoch ms. */
  at: number;
  exception: string;
  message: string;
}

export interface ProducerTotals {
  sent: number;
  acked: number;
}

export interface JavaProducer {
  clientId: string;
  /** Records acknowledged so far. */
  acked(): number;
  /** Records the client failed, so far, with its exceptions. */
  failures(): SendFailure[];
  /** The producer's own totals once it has written `maxMessages` and closed. */
  finished: Promise<ProducerTotals>;
  /** The process's stderr (last 16 KiB). */
  stderr(): string;
  /** Ends the producer if still running (SIGKILL) and removes its files. */
  stop(): Promise<void>;
}

export interface JavaProducerOptions {
  topic: string;
  clientId: string;
  perSecond: number;
  maxMessages: number;
  /** Producer configs, e.g. `{ 'delivery.timeout.ms': '30000' }`. */
  props?: Record<string, string>;
}

/** Starts the producer; resolves once it reported that it started. */
export async function startJavaProducer(cluster: Cluster, options: JavaProducerOptions): Promise<JavaProducer> {
  const version = parseKafkaVersion(cluster.version);
  const { entries } = await resolveClasspath(version, { extras: [kafkaToolsArtifact(version)] });
  const dir = await mkdtemp(join(tmpdir(), 'firebreak-java-producer-'));
  const config = join(dir, 'producer.properties');
  await writeFile(config, Object.entries({ 'client.id': options.clientId, ...options.props }).map(([k, v]) => `${k}=${v}\n`).join(''));
  const [command, prefix] = hasSetpriv() ? ['setpriv', ['--pdeathsig', 'KILL', 'java']] : ['java', []];
  const child = spawn(
    command,
    [
      ...prefix,
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      'org.apache.kafka.tools.VerifiableProducer',
      '--bootstrap-server',
      cluster.bootstrapServers,
      '--topic',
      options.topic,
      '--throughput',
      String(options.perSecond),
      '--max-messages',
      String(options.maxMessages),
      '--producer.config',
      config,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CLASSPATH: entries.join(delimiter) } },
  );
  let acked = 0;
  const failures: SendFailure[] = [];
  let totals: ProducerTotals | undefined;
  let stderr = '';
  let started!: () => void;
  const startup = new Promise<void>((resolve) => (started = resolve));
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-16_384)));
  // Lines that are not JSON events (a logging backend's own output) are ignored.
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (!line.startsWith('{')) return;
    const event = JSON.parse(line) as { name?: string; exception?: string; message?: string; sent?: number; acked?: number };
    if (event.name === 'producer_send_success') acked += 1;
    else if (event.name === 'producer_send_error') failures.push({ at: Date.now(), exception: String(event.exception), message: String(event.message) });
    else if (event.name === 'startup_complete') started();
    else if (event.name === 'tool_data') totals = { sent: Number(event.sent), acked: Number(event.acked) };
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const finished = exited.then((code) => {
    if (totals === undefined) throw new Error(`VerifiableProducer exited (${code}) without its totals:\n${stderr}`);
    return totals;
  });
  finished.catch(() => undefined);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const up = await Promise.race([startup.then(() => true), exited.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 120_000).unref())]);
  if (!up) {
    await stop();
    throw new Error(`VerifiableProducer did not start within 120 s:\n${stderr}`);
  }
  return { clientId: options.clientId, acked: () => acked, failures: () => failures, finished, stderr: () => stderr, stop };
}
