/**
 * The whole monitoring pipeline around firebreak, on this machine, as a user would run it:
 *
 *   Kafka (KRaft, + JMX exporter agent) ──scrape──▶ Prometheus (alert-rules/*.rules.yml)
 *   kafka-overwatch (consumer lag)       ──scrape──▶     │ alerts
 *                                                        ▼
 *                                   Alertmanager (route + webhook of docs/alertmanager.md)
 *                                                        │ webhook
 *                                                        ▼
 *                       firebreak serve (enforce, shipped runbooks) ──admin API──▶ Kafka
 *
 * Every component on free ports of 127.0.0.1, its files in one directory. `npm run demo` and the
 * closed-loop end-to-end test start it with {@link startPipeline}; the load comes from
 * ./load.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createKafkaAdmin } from '../../src/actions/kafka/client.ts';
import type { KafkaAdmin } from '../../src/actions/kafka/types.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { startServe, type ServeProcess } from '../../test/integration/serve/serve-process.ts';
import { REPO_ROOT, resolveJmxExporterAgent } from '../kafka/classpath.ts';
import { DEFAULT_KAFKA_VERSION, startCluster, type Cluster } from '../kafka/cluster.ts';
import { freePorts } from '../kafka/process.ts';
import { createTopics, fetchMetadata } from '../kafka/wire.ts';
import { startAlertmanager, type Alertmanager } from './alertmanager.ts';
import { renderAlertmanagerConfig, renderKafkaRules, renderPrometheusConfig, SHORT_TIMINGS, writeRunbooks, type PipelineTimings } from './config.ts';
import { startLagExporter, type LagExporter } from './lag-exporter.ts';
import { startPrometheus, type Prometheus } from './prometheus.ts';

/** The JMX exporter rules file the project ships for brokers. */
export const JMX_RULES_FILE = join(REPO_ROOT, 'alert-rules', 'exporters', 'kafka-broker-jmx.yml');

/** The series the consumer lag alerts and the runbook read (alert-rules/kafka.rules.yml). */
export const LAG_SERIES = 'cluster_consumergroup_topic:kafka_consumergroup_lag:sum';

export interface PipelineOptions {
  /** Everything the pipeline writes goes here (Kafka data, configs, firebreak's store). */
  dir: string;
  kafkaVersion?: string;
  /** The `cluster` label of every series and alert. Default "demo". */
  cluster?: string;
  topic: string;
  partitions?: number;
  group: string;
  /** The producer's client.id: the consumer lag runbook's params.producers entry for the topic. */
  producerClientId: string;
  timings?: PipelineTimings;
  /** Further params of runbooks/consumer-lag.yaml, e.g. { producerByteRate: 102400 }. */
  runbookParams?: Record<string, unknown>;
  /** Progress messages. */
  log?: (msg: string) => void;
}

export interface Firebreak {
  url: string;
  /** A token of the viewer role, for reading firebreak's API. */
  viewerToken: string;
  process: ServeProcess;
  /** GET on firebreak's API with a viewer token; rejects on a non-2xx answer. */
  get<T>(path: string): Promise<T>;
  /** An incident's timeline entries after `afterId` (all of them by default), every page read. */
  timeline<T extends { id: number }>(incidentId: string, afterId?: number): Promise<T[]>;
}

export interface Pipeline {
  options: Required<Pick<PipelineOptions, 'cluster' | 'topic' | 'group' | 'producerClientId'>>;
  kafka: Cluster;
  lagExporter: LagExporter;
  firebreak: Firebreak;
  alertmanager: Alertmanager;
  prometheus: Prometheus;
  /** firebreak's Kafka module, for reading the quota firebreak set as the broker reports it. */
  admin: KafkaAdmin;
  /** The group's lag on the topic as Prometheus has it now (the series the alert reads); undefined when absent. */
  lag(): Promise<number | undefined>;
  /** producer_byte_rate on the producer's client-id, as every broker reports it; undefined when none is set. */
  quota(): Promise<number | undefined>;
  /** Stops every component, last started first. */
  stop(): Promise<void>;
}

const noLog = () => undefined;

/** Starts the pipeline; on a failure stops what it started and rethrows. */
export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const log = options.log ?? noLog;
  const cluster = options.cluster ?? 'demo';
  const timings = options.timings ?? SHORT_TIMINGS;
  const stops: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    await mkdir(options.dir, { recursive: true });
    log(`Kafka ${options.kafkaVersion ?? DEFAULT_KAFKA_VERSION}, with the JMX exporter agent ${JMX_RULES_FILE.replace(`${REPO_ROOT}/`, '')}`);
    const agentJar = await resolveJmxExporterAgent({ log });
    const kafka = await startCluster({
      dir: join(options.dir, 'kafka'),
      version: options.kafkaVersion ?? DEFAULT_KAFKA_VERSION,
      brokers: 1,
      jmxExporter: { agentJar, rulesFile: JMX_RULES_FILE },
      startTimeoutMs: 180_000,
      logger: { info: log },
    });
    stops.push(() => kafka.stop());
    await createTopic(kafka, options.topic, options.partitions ?? 3);

    const admin = createKafkaAdmin({ brokers: kafka.bootstrapServers.split(','), clientId: 'firebreak-pipeline' }, { logger: silentLogger() });
    stops.push(() => admin.close());

    log('consumer lag exporter (kafka-overwatch)');
    const lagExporter = await startLagExporter({
      dir: join(options.dir, 'lag-exporter'),
      cluster,
      bootstrapServers: kafka.bootstrapServers,
      scanIntervalSeconds: timings.lagScanSeconds,
      log,
    });
    stops.push(() => lagExporter.stop());

    log('firebreak serve, enforce mode, shipped runbooks');
    const prometheusDir = join(options.dir, 'prometheus');
    const firebreak = await startFirebreak(options, kafka, prometheusDir);
    stops.push(() => stopFirebreak(firebreak.process));

    log('Alertmanager');
    const alertmanager = await startAlertmanager({
      dir: join(options.dir, 'alertmanager'),
      config: renderAlertmanagerConfig(firebreak.url, firebreak.webhookToken, timings),
    });
    stops.push(() => alertmanager.stop());

    log('Prometheus');
    await mkdir(prometheusDir, { recursive: true });
    await writeFile(join(prometheusDir, 'kafka.rules.yml'), await renderKafkaRules(timings.ruleFor));
    const hostPort = (url: string) => url.replace(/^https?:\/\//, '');
    // firebreak was told Prometheus's URL before Prometheus started: it listens where firebreak expects it.
    const prometheus = await startPrometheus({
      dir: prometheusDir,
      port: firebreak.prometheusPort,
      config: renderPrometheusConfig(
        {
          cluster,
          brokers: kafka.brokers.map((b) => `127.0.0.1:${b.metricsPort}`),
          lagExporter: lagExporter.target,
          firebreak: hostPort(firebreak.url),
          alertmanager: hostPort(alertmanager.url),
        },
        timings,
        [join(prometheusDir, 'kafka.rules.yml'), join(REPO_ROOT, 'alert-rules', 'firebreak.rules.yml')],
      ),
    });
    stops.push(() => prometheus.stop());

    const pipeline: Pipeline = {
      options: { cluster, topic: options.topic, group: options.group, producerClientId: options.producerClientId },
      kafka,
      lagExporter,
      firebreak,
      alertmanager,
      prometheus,
      admin,
      async lag() {
        const selector = `${LAG_SERIES}{cluster="${cluster}",consumergroup="${options.group}",topic="${options.topic}"}`;
        return (await prometheus.query(selector))[0]?.value;
      },
      async quota() {
        const entries = await admin.describeClientQuotas({ entity: { 'client-id': options.producerClientId }, strict: true }, { consistency: 'all-brokers' });
        return entries[0]?.values['producer_byte_rate'];
      },
      stop: stopAll,
    };
    return pipeline;
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Creates the topic and waits until its partitions have leaders. */
async function createTopic(kafka: Cluster, name: string, partitions: number): Promise<void> {
  const address = { host: '127.0.0.1', port: kafka.brokers[0]!.port };
  await createTopics(address, [{ name, partitions }]);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const topic = (await fetchMetadata(address, [name])).topics.find((t) => t.name === name);
    if (topic !== undefined && topic.errorCode === 0 && topic.partitions.length === partitions && topic.partitions.every((p) => p.leader >= 0)) return;
    if (Date.now() > deadline) throw new Error(`topic ${name} has no leaders after 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function startFirebreak(
  options: PipelineOptions,
  kafka: Cluster,
  prometheusDir: string,
): Promise<Firebreak & { webhookToken: string; prometheusPort: number }> {
  const dir = join(options.dir, 'firebreak');
  const runbooks = join(dir, 'runbooks');
  await mkdir(runbooks, { recursive: true });
  await mkdir(prometheusDir, { recursive: true });
  await writeRunbooks(runbooks, {
    producers: [{ topic: options.topic, clientId: options.producerClientId }],
    ...options.runbookParams,
  });
  const webhookToken = randomBytes(16).toString('hex');
  const viewerToken = randomBytes(16).toString('hex');
  const [prometheusPort] = await freePorts(1);
  const serve = await startServe({
    cwd: dir,
    env: {
      FIREBREAK_LISTEN: '127.0.0.1:0',
      FIREBREAK_DATA_DIR: join(dir, 'data'),
      FIREBREAK_MODE: 'enforce',
      FIREBREAK_RUNBOOKS: runbooks,
      FIREBREAK_KAFKA_BROKERS: kafka.bootstrapServers,
      FIREBREAK_PROMETHEUS_URL: `http://127.0.0.1:${prometheusPort}`,
      FIREBREAK_WEBHOOK_TOKEN: webhookToken,
      FIREBREAK_API_TOKENS: `pipeline:viewer:${viewerToken}`,
    },
  });
  const url = serve.url;
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${viewerToken}` } });
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    url,
    viewerToken,
    process: serve,
    webhookToken,
    prometheusPort: prometheusPort!,
    get,
    async timeline<T extends { id: number }>(incidentId: string, afterId?: number): Promise<T[]> {
      const entries: T[] = [];
      let after = afterId;
      for (;;) {
        const page = await get<{ items: T[]; nextAfterId: number | null }>(
          `/api/v1/incidents/${encodeURIComponent(incidentId)}/timeline?limit=500${after === undefined ? '' : `&afterId=${after}`}`,
        );
        entries.push(...page.items);
        if (page.nextAfterId === null) return entries;
        after = page.nextAfterId;
      }
    },
  };
}

async function stopFirebreak(proc: ServeProcess): Promise<void> {
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
  await proc.exited;
  clearTimeout(timer);
}
