/**
 * The closed loop, end to end, on real components (scripts/pipeline): a producer that outruns its
 * consumer on a real Kafka broker; the JMX exporter agent and kafka-overwatch scraped by a real
 * Prometheus evaluating the shipped alert rules (their `for:` shortened to 20 s); a real
 * Alertmanager routing as docs/alertmanager.md recommends; `firebreak serve` in enforce mode with
 * the shipped runbooks. Nothing is pushed by hand: the alert comes from the lag.
 *
 * The pipeline starts once for the file; the tests are the incident's chapters, in order: the
 * consumer stays slow until the alert has resolved and a while after, then it is "scaled".
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPipeline, type Pipeline } from '../../scripts/pipeline/pipeline.ts';
import { SCENARIO, scenarioPipelineOptions, startScenarioLoad, type Load } from '../../scripts/pipeline/scenario.ts';
import { waitFor } from '../support/eventually.ts';
import { testKafkaVersion } from '../support/kafka.ts';

interface Incident {
  id: string;
  status: string;
  runbook: string | null;
}

interface IncidentDetail extends Incident {
  alerts: Array<{ labels: Record<string, string>; status: string }>;
}

interface Entry {
  id: number;
  at: string;
  kind: string;
  summary: string;
  data: Record<string, unknown>;
}

const LAG_ALERT = 'KafkaConsumerGroupLagHigh';

describe('closed loop: a natural consumer lag incident through Prometheus, Alertmanager and firebreak', function () {
  this.timeout(7 * 60_000);
  let dir: string;
  let pipeline: Pipeline | undefined;
  let load: Load | undefined;
  let incidentId: string;
  let releasedAt: number;
  let failed = false;

  before(async function () {
    // Includes installing the lag exporter on a machine that has not yet (scripts/lag-exporter/install.sh).
    this.timeout(9 * 60_000);
    dir = await mkdtemp(join(tmpdir(), 'firebreak-closed-loop-'));
    pipeline = await startPipeline({
      dir,
      kafkaVersion: testKafkaVersion(),
      ...scenarioPipelineOptions(),
      log: (msg) => process.stderr.write(`      [pipeline] ${msg}\n`),
    });
    load = await startScenarioLoad(pipeline, dir);
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed' || pipeline === undefined) return;
    console.log(`kept for inspection: ${dir}`);
    console.log(`producer: ${load?.producer.output().slice(-2000)}`);
    console.log(`firebreak: ${pipeline.firebreak.process.output().stdout.slice(-8000)}`);
    failed = true;
  });

  after(async function () {
    this.timeout(120_000);
    await load?.stop();
    await pipeline?.stop();
    if (!failed) await rm(dir, { recursive: true, force: true });
  });

  const incidents = async () => (await pipeline!.firebreak.get<{ items: Incident[] }>('/api/v1/incidents?limit=100')).items;
  const timeline = (id: string) => pipeline!.firebreak.timeline<Entry>(id);
  const lagAlerts = async () => pipeline!.prometheus.query(`ALERTS{alertname=~"KafkaConsumerGroupLag.*", alertstate="firing"}`);

  it('fires KafkaConsumerGroupLagHigh from the real lag and contains it with the producer quota', async () => {
    const contained = await waitFor(
      'an incident contained by the consumer-lag runbook',
      async () => (await incidents()).find((i) => i.runbook === 'consumer-lag' && i.status === 'contained'),
      { timeoutMs: 4 * 60_000, intervalMs: 1000 },
    );
    incidentId = contained.id;
    const detail = await pipeline!.firebreak.get<IncidentDetail>(`/api/v1/incidents/${incidentId}`);
    const alert = detail.alerts.find((a) => a.labels['alertname'] === LAG_ALERT);
    expect(alert?.labels).to.include({ cluster: 'demo', consumergroup: SCENARIO.group, topic: SCENARIO.topic, severity: 'warning' });
    // The broker holds the quota firebreak set on the producer named in params.producers.
    expect(await pipeline!.quota()).to.equal(SCENARIO.runbookParams.producerByteRate);
    const entries = await timeline(incidentId);
    expect(entries.map((e) => e.kind)).to.include.members(['alert.firing', 'runbook.matched', 'step.succeeded', 'incident.status']);
    // Told the producer's buffer and delivery timeout, firebreak judges it keeps every record however long the quota holds.
    const throttle = entries.find((e) => e.kind === 'step.succeeded' && e.data['stepId'] === 'throttle');
    expect((throttle?.data['output'] as { safety?: { case: string } } | undefined)?.safety?.case, 'producer safety').to.equal('buffer-drains');
  });

  it('slows the producer: the broker measures its rate near the quota (JMX exporter, kafka_server_produce_byte_rate)', async () => {
    const query = `kafka_server_produce_byte_rate{client_id="${SCENARIO.producerClientId}"}`;
    const limit = SCENARIO.runbookParams.producerByteRate * 1.5;
    const rate = await waitFor(
      `${query} below 1.5 x the quota`,
      async () => {
        const [sample] = await pipeline!.prometheus.query(query);
        return sample !== undefined && sample.value < limit ? sample.value : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1000, consecutive: 3 },
    );
    // Unthrottled it writes 800 x 500 bytes a second, about 4 times the quota.
    expect(rate).to.be.below(limit);
  });

  it('keeps a quota in force after the alert resolves, while the producer still outruns the consumer', async () => {
    // The alert resolves once the throttled producer let the slow consumer catch up below 10,000;
    // the resolved run then schedules the release instead of lifting the quota.
    const scheduled = await waitFor(
      'the alert resolved and the release scheduled',
      async () => {
        const entries = await timeline(incidentId);
        return entries.some((e) => e.kind === 'alert.resolved') ? entries.find((e) => e.kind === 'release.scheduled') : undefined;
      },
      { timeoutMs: 4 * 60_000, intervalMs: 1000 },
    );
    expect(scheduled.data['mode'], 'release mode').to.equal('gradual');
    // The consumer still processes 400 messages/s; unthrottled the producer writes 800. For this
    // window the quota may be relaxed level by level, but never lifted, and nothing recovers.
    const windowEnd = Date.now() + 30_000;
    while (Date.now() < windowEnd) {
      expect(await pipeline!.quota(), 'producer_byte_rate while the consumer is slow').to.be.a('number');
      const incident = (await incidents()).find((i) => i.id === incidentId)!;
      expect(incident.status, 'incident status').to.not.equal('recovered');
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  });

  it('releases the quota level by level and recovers once the consumer catches up', async () => {
    load!.consumer.setRate(SCENARIO.fastConsumerPerSecond);
    const recovered = await waitFor(
      'the incident recovered',
      async () => (await incidents()).find((i) => i.id === incidentId && i.status === 'recovered'),
      { timeoutMs: 5 * 60_000, intervalMs: 1000 },
    );
    expect(recovered.status).to.equal('recovered');
    expect(await pipeline!.quota(), 'producer_byte_rate after the release').to.equal(undefined);
    const entries = await timeline(incidentId);
    expect(entries.filter((e) => e.kind === 'release.step').length, 'gradual release steps').to.be.at.least(1);
    const release = entries.filter((e) => e.kind === 'revert.succeeded').at(-1);
    expect(release, 'the final release on the timeline').to.not.equal(undefined);
    releasedAt = Date.parse(release!.at);
    // The recovery check read the lag from Prometheus, the series the alert reads.
    expect(entries.filter((e) => e.kind === 'step.succeeded').map((e) => e.data['stepId'])).to.include('verify');
    expect((await pipeline!.lag()) ?? Infinity).to.be.below(SCENARIO.runbookParams.lagRecovered);
  });

  it('does not fire again for a minute after the release', async () => {
    expect(releasedAt, 'the release time').to.be.a('number');
    const windowEnd = releasedAt + 60_000;
    while (Date.now() < windowEnd) {
      expect(await lagAlerts(), 'consumer lag alerts firing in Prometheus').to.deep.equal([]);
      const mine = (await incidents()).filter((i) => i.runbook === 'consumer-lag');
      expect(mine.map((i) => i.id), 'consumer-lag incidents').to.deep.equal([incidentId]);
      const refires = (await timeline(incidentId)).filter((e) => e.kind === 'alert.firing' && Date.parse(e.at) > releasedAt);
      expect(refires, 'alerts firing again after the release').to.deep.equal([]);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    // The producer writes at full speed again, and the consumer keeps up.
    expect(load!.producer.last()!.recordsPerSecond).to.be.above(SCENARIO.producerRecordsPerSecond * 0.7);
    expect((await pipeline!.lag()) ?? Infinity).to.be.below(10_000);
  });
});
