import { expect } from 'chai';
import { eventually } from '../../support/eventually.ts';
import { createTopic, uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { SETTLED, accepting, quotaOf, quotaSettled } from '../actions/harness.ts';
import { consumeSlowly, produceSteadily } from '../actions/kafka-clients.ts';
import { startPrometheus, type PrometheusServer } from '../actions/prometheus-server.ts';
import { startRecordingServer, type RecordingServer } from '../actions/recording-server.ts';
import { notification, reasonOf, startRunbookApp, stepTrail, type RunbookApp } from './runbook-harness.ts';

describe('shipped runbook consumer-lag, for real', function () {
  this.timeout(120_000);
  let cluster: Cluster;
  let prometheus: PrometheusServer | undefined;
  let h: RunbookApp | undefined;
  const stops: Array<() => Promise<void>> = [];

  before(async function () {
    this.timeout(180_000);
    cluster = await useKafka();
  });

  afterEach(async () => {
    while (stops.length > 0) await stops.pop()?.();
    await h?.close();
    h = undefined;
    await prometheus?.close();
    prometheus = undefined;
  });

  function lagAlert(group: string, topic: string): { labels: Record<string, string>; annotations: Record<string, string>; startsAt: string } {
    return {
      labels: { alertname: 'KafkaConsumerGroupLagHigh', cluster: 'test', consumergroup: group, topic, severity: 'warning' },
      annotations: {
        summary: `Kafka cluster test: consumer group ${group} lags on topic ${topic}`,
        description: `Consumer group ${group} is 12k messages behind on topic ${topic} in cluster test (more than 10k for 10 minutes).`,
      },
      startsAt: new Date(Date.now() - 11 * 60_000).toISOString(),
    };
  }

  /** A real group on `topic` that consumes, and commits, slower than a producer writes. */
  async function fallingBehind(topic: string, group: string): Promise<void> {
    stops.push((await produceSteadily(cluster, topic, [0, 1], 200)).stop);
    stops.push((await consumeSlowly(cluster, group, topic, { perMessageMs: 20, commitEveryMs: 300 })).stop);
  }

  it('throttles the mapped producers of a group that falls behind, then lifts the quota level by level while the lag stays low, and verifies it', async () => {
    const topic = await createTopic(cluster, { prefix: 'orders', partitions: 2 });
    const group = uniqueName('billing');
    const producer = uniqueName('orders-writer');
    await fallingBehind(topic, group);
    // Prometheus with the lag series the runbook reads (alert-rules/kafka.rules.yml records it from
    // either lag exporter) for the group: lag back to 0 once resolved.
    prometheus = await startPrometheus(`cluster_consumergroup_topic:kafka_consumergroup_lag:sum{consumergroup="${group}",topic="${topic}"} 0\n`);

    h = await startRunbookApp(cluster, {
      runbooks: ['consumer-lag'],
      params: { 'consumer-lag': { producers: `[{ topic: ${topic}, clientId: ${producer} }]`, releaseHold: '2s', recoveryHold: '3s', lagSample: '3s' } },
      integrations: { prometheus: { url: prometheus.url, timeoutMs: 5_000 } },
    });
    const alert = lagAlert(group, topic);
    await h.post(notification('firing', alert));

    const id = await h.onlyIncident();
    expect((await h.store.getIncident(id))?.status).to.equal('contained');
    await quotaSettled(h.admin, { 'client-id': producer }, { producer_byte_rate: 1_048_576 });
    let entries = await h.timeline(id);
    expect(entries.find((e) => e.kind === 'runbook.matched')?.data['runbook']).to.equal('consumer-lag');
    expect(stepTrail(entries)).to.deep.equal([
      ['step.started', 'lag'],
      ['step.succeeded', 'lag'],
      ['step.skipped', 'stalled'],
      ['step.started', 'throttle'],
      ['step.succeeded', 'throttle'],
    ]);
    const lag = entries.find((e) => e.kind === 'step.succeeded' && e.data['stepId'] === 'lag')?.data['output'] as { totalLag: number; class: string; partitions: unknown[] };
    expect(lag.class).to.equal('falling-behind');
    expect(lag.totalLag).to.be.greaterThan(0);
    expect(lag.partitions).to.have.length(2);
    const throttle = entries.find((e) => e.kind === 'step.succeeded' && e.data['stepId'] === 'throttle');
    const { safety, ...output } = throttle?.data['output'] as { safety: { case: string; rate: number; holdLimitMs: number | null } };
    expect(output).to.deep.equal({ producerByteRate: 1_048_576, throttled: [{ clientId: producer, from: null, to: 1_048_576 }], alreadyLower: [] });
    // 1 MiB/s is far above what this producer writes, and a full default buffer drains at it in 32 s: no hold limit.
    expect(safety).to.deep.include({ case: 'buffer-drains', rate: 1_048_576, holdLimitMs: null });
    expect(throttle?.data['holdLimit']).to.equal(undefined);

    await h.post(notification('resolved', { ...alert, endsAt: new Date().toISOString() }));
    await eventually(
      accepting(() => quotaOf(h!.admin, { 'client-id': producer }), (q) => Object.keys(q).length === 0),
      { ...SETTLED, timeoutMs: 90_000, what: 'the producer quota to be removed' },
    );
    await eventually(async () => expect((await h!.store.getIncident(id))?.status).to.equal('recovered'), { timeoutMs: 30_000 });
    entries = await h.timeline(id);
    // Released in levels: the quota doubled four times, then removed, the lag held at each.
    const levels = entries.filter((e) => e.kind === 'release.step').map((e) => (e.data['changes'] as Array<{ to: unknown }>).map((c) => c.to));
    expect(levels).to.deep.equal([[2_097_152], [4_194_304], [8_388_608], [16_777_216]]);
    expect(stepTrail(entries).slice(5)).to.deep.equal([
      ['revert.started', 'throttle'],
      ['revert.succeeded', 'throttle'],
      ['step.started', 'recheck'],
      ['step.succeeded', 'recheck'],
      ['step.started', 'verify'],
      ['step.succeeded', 'verify'],
    ]);
    const verify = entries.find((e) => e.kind === 'step.succeeded' && e.data['stepId'] === 'verify')?.data['output'] as { held: boolean; value: number; heldForMs: number };
    expect(verify).to.deep.include({ held: true, value: 0 });
    expect(verify.heldForMs).to.be.at.least(3_000);
  });

  it('blocks the throttle, changing nothing, for a topic with no producer mapped', async () => {
    const topic = await createTopic(cluster, { prefix: 'payments', partitions: 2 });
    const group = uniqueName('ledger');
    await fallingBehind(topic, group);
    h = await startRunbookApp(cluster, { runbooks: ['consumer-lag'], params: { 'consumer-lag': { lagSample: '3s' } } });
    await h.post(notification('firing', lagAlert(group, topic)));
    const id = await h.onlyIncident();
    const entries = await h.timeline(id);
    expect(reasonOf(entries, 'step.blocked', 'throttle')).to.equal('plan-unavailable');
    const blocked = entries.find((e) => e.kind === 'step.blocked' && e.data['stepId'] === 'throttle');
    expect(JSON.stringify(blocked?.data)).to.contain('ACTION_NO_TARGET');
    expect((await h.store.getIncident(id))?.status).to.equal('open');
  });

  it('does not throttle a stalled group: it records the evidence and tells the on-call target', async () => {
    const topic = await createTopic(cluster, { prefix: 'invoices' });
    const group = uniqueName('mailer');
    const producer = uniqueName('invoices-writer');
    stops.push((await produceSteadily(cluster, topic, [0], 100)).stop);
    stops.push((await consumeSlowly(cluster, group, topic, { perMessageMs: 0, commitEveryMs: 0 })).stop);
    const hook: RecordingServer = await startRecordingServer(() => ({ status: 200, body: 'ok' }));
    stops.push(hook.close);
    h = await startRunbookApp(cluster, {
      runbooks: ['consumer-lag'],
      params: { 'consumer-lag': { producers: `[{ topic: ${topic}, clientId: ${producer} }]`, lagSample: '3s' } },
      integrations: { notify: { targets: { oncall: { url: `${hook.base}/hook`, kind: 'webhook' } }, timeoutMs: 5_000 } },
    });
    await h.post(notification('firing', lagAlert(group, topic)));
    const id = await h.onlyIncident();
    const entries = await h.timeline(id);
    expect(stepTrail(entries), JSON.stringify(entries.find((e) => e.kind === 'step.failed')?.data)).to.deep.equal([
      ['step.started', 'lag'],
      ['step.succeeded', 'lag'],
      ['step.started', 'stalled'],
      ['step.succeeded', 'stalled'],
      ['step.skipped', 'throttle'],
    ]);
    expect(reasonOf(entries, 'step.skipped', 'throttle')).to.equal('condition-false');
    const lag = entries.find((e) => e.kind === 'step.succeeded' && e.data['stepId'] === 'lag')?.data['output'] as { class: string; topics: Array<{ consumeRate: number }> };
    expect(lag.class).to.equal('stalled');
    expect(lag.topics[0]?.consumeRate).to.equal(0);
    expect(hook.received).to.have.length(1);
    expect(JSON.stringify(hook.received[0]?.body)).to.contain(`${group} is stalled on ${topic}`);
    expect(await quotaOf(h.admin, { 'client-id': producer })).to.deep.equal({});
    expect((await h.store.getIncident(id))?.status).to.equal('open');
  });
});
