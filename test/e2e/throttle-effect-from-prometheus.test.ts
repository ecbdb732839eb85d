/**
 * Effect verification of a producer throttle from Prometheus, on real components: a broker with
 * the JMX exporter agent and the shipped rules file, a real Prometheus scraping it (the
 * pipeline's harness, scripts/pipeline), and real Java producers (Kafka's ProducerPerformance,
 * one per test on a topic of its own) writing some 300 KB/s. After the quota window,
 * kafka.throttleProducers reads the topic's BytesIn rate and each client-id's throttle time from
 * Prometheus; where Prometheus has no series of the cluster it says so and measures on the
 * brokers instead.
 */
import { expect } from 'chai';
import { dump } from 'js-yaml';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveJmxExporterAgent } from '../../scripts/kafka/classpath.ts';
import { startCluster, type Cluster } from '../../scripts/kafka/cluster.ts';
import { startProducer, type Producer } from '../../scripts/pipeline/load.ts';
import { JMX_RULES_FILE } from '../../scripts/pipeline/pipeline.ts';
import { startPrometheus, type Prometheus } from '../../scripts/pipeline/prometheus.ts';
import { createKafkaAdmin } from '../../src/actions/kafka/client.ts';
import { registerKafkaActions } from '../../src/actions/kafka/index.ts';
import type { KafkaAdmin } from '../../src/actions/kafka/types.ts';
import { ActionRegistry } from '../../src/actions/registry.ts';
import type { ActionContext, ExecuteResult, Verification } from '../../src/actions/types.ts';
import { systemClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { waitFor } from '../support/eventually.ts';
import { createTopic, testKafkaVersion, uniqueName } from '../support/kafka.ts';

const RATE = 65_536;
const CLUSTER = 'prod';

describe('effect verification of a producer throttle, from Prometheus', function () {
  this.timeout(180_000);
  let dir: string;
  let cluster: Cluster | undefined;
  let prometheus: Prometheus | undefined;
  let producer: Producer | undefined;
  let admin: KafkaAdmin;
  let ctx: ActionContext;
  let topic: string;
  let client: string;
  const registry = registerKafkaActions(new ActionRegistry());
  const throttle = registry.get('kafka.throttleProducers');

  before(async function () {
    this.timeout(6 * 60_000);
    dir = await mkdtemp(join(tmpdir(), 'firebreak-effect-'));
    const agentJar = await resolveJmxExporterAgent();
    cluster = await startCluster({ dir: join(dir, 'kafka'), version: testKafkaVersion(), brokers: 1, jmxExporter: { agentJar, rulesFile: JMX_RULES_FILE }, startTimeoutMs: 150_000 });
    prometheus = await startPrometheus({
      dir: join(dir, 'prometheus'),
      config: dump({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        scrape_configs: [{ job_name: 'kafka', static_configs: [{ targets: [`127.0.0.1:${cluster.brokers[0]!.metricsPort}`], labels: { cluster: CLUSTER } }] }],
      }),
    });
    admin = createKafkaAdmin({ brokers: cluster.bootstrapServers.split(','), clientId: 'firebreak-test' }, { logger: silentLogger() });
    ctx = {
      kafka: admin,
      clock: systemClock,
      logger: silentLogger(),
      limits: { minQuotaByteRate: 1_024, minRetentionMs: 60_000, protectedTopics: [] },
      integrations: { prometheus: { url: prometheus.url, timeoutMs: 5_000 } },
    };
  });

  /**
   * A producer of its own for each test: ProducerPerformance keeps its average rate, so after a
   * throttle it writes as fast as it can to catch up, and the broker throttles such a burst long.
   */
  beforeEach(async function () {
    this.timeout(180_000);
    topic = await createTopic(cluster!, { prefix: 'orders' });
    client = uniqueName('orders-service');
    producer = await startProducer({ kafkaVersion: cluster!.version, bootstrapServers: cluster!.bootstrapServers, topic, clientId: client, recordsPerSecond: 600, recordBytes: 500, dir });
    await waitFor('the topic\'s BytesIn in Prometheus', async () => ((await prometheus!.query(`kafka_server_brokertopicmetrics_bytesin_total{topic="${topic}"}`)).length > 0 ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 1000,
    });
  });

  afterEach(async () => {
    await producer?.stop();
    producer = undefined;
  });

  after(async function () {
    this.timeout(60_000);
    await admin?.close();
    await prometheus?.stop();
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Throttles `clientIds`, verifies, and lifts the throttle again. */
  async function verified(clientIds: string[], cluster: string): Promise<Verification> {
    const params = registry.validateParams('kafka.throttleProducers', { clientIds, producerByteRate: RATE, topics: [topic], cluster });
    const result = (await throttle.execute(ctx, params)) as ExecuteResult;
    try {
      return await throttle.verify!(ctx, params, result);
    } finally {
      await throttle.revert!(ctx, params, result as { prior: unknown; applied: unknown });
    }
  }

  it('is effective for the real producer it slows, with the topic\'s BytesIn and the broker\'s throttle time', async () => {
    const v = await verified([client], CLUSTER);
    expect(v.effect, v.summary).to.equal('effective');
    expect(v.data).to.deep.include({ source: 'prometheus', allowedBytesPerSecond: RATE, leaderBrokers: 1 });
    expect(v.data['observedBytesPerSecond']).to.be.at.most(RATE * 1.5);
    expect((v.data['clientThrottleTimeMs'] as Record<string, number>)[client]).to.be.above(0);
    expect((v.data['queries'] as string[])[0]).to.equal(`sum(rate(kafka_server_brokertopicmetrics_bytesin_total{topic="${topic}",cluster="${CLUSTER}"}[${(v.data['sampleMs'] as number) / 1000}s]))`);
    expect(v.summary).to.contain('measured by Prometheus (kafka_server_brokertopicmetrics_bytesin_total)');
    expect(v.summary).to.match(new RegExp(`${client}: \\d+ B/s, throttled \\d+ ms`));
  });

  it('finds no effect when the throttled client-id is not the producer', async () => {
    const v = await verified([uniqueName('not-the-producer')], CLUSTER);
    expect(v.effect, v.summary).to.equal('no-effect');
    expect(v.data['source']).to.equal('prometheus');
    expect(v.data['observedBytesPerSecond']).to.be.above(RATE * 1.5);
  });

  it('measures on the brokers, and says why, when Prometheus has no series of the cluster', async () => {
    const v = await verified([client], 'elsewhere');
    expect(v.effect, v.summary).to.equal('effective');
    expect(v.data['source']).to.equal('brokers');
    expect(v.data['bytesPerSecondBefore']).to.be.above(RATE);
    expect(v.data['fallback']).to.equal(`Prometheus has no kafka_server_brokertopicmetrics_bytesin_total{topic="${topic}",cluster="elsewhere"} series`);
    expect(v.summary).to.contain('on the brokers (log dir sizes)');
  });
});
