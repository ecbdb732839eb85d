/**
 * Producer-safe throttling with a real Java producer (Kafka's own VerifiableProducer, from the
 * tested version's jars). Its `delivery.timeout.ms` is 30 s instead of the default 120 s, so a
 * throttle that would make it drop records does so within a minute. The brokers already track
 * client rates (another client-id has a quota), the harder case: the first request over a new
 * quota is answered with a delay of (rate / quota - 1) x the quota window, which lifting the
 * quota does not shorten.
 *
 * - the throttle asked for (a tenth of the producer's rate) is raised to the floor at which that
 *   first delay stays within the delivery timeout;
 * - held past the point the plan names (kafka.throttleProducers applied directly: nothing bounds
 *   it), it still makes the client expire batches;
 * - under the shipped consumer-lag runbook (told the producers' delivery timeout), it is released
 *   at its hold limit while the alert keeps firing, before any record expires: every record sent
 *   is acknowledged.
 */
import { expect } from 'chai';
import type { ProducerSafety } from '../../../src/actions/kafka/actions/producer-safety.ts';
import { waitFor } from '../../support/eventually.ts';
import { createTopic, uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { actionHarness, quotaOf, TEST_LIMITS, type Harness } from '../actions/harness.ts';
import { startJavaProducer, type JavaProducer } from '../actions/java-producer.ts';
import { consumeSlowly } from '../actions/kafka-clients.ts';
import { notification, startRunbookApp, type RunbookApp } from './runbook-harness.ts';

/** The producer: 2,000 small records a second (some 40 KB/s), a 30 s delivery timeout. */
const PER_SECOND = 2_000;
const PRODUCER_PROPS = { 'delivery.timeout.ms': '30000', 'request.timeout.ms': '10000', 'linger.ms': '5', acks: 'all' };
/** The quota asked for: about a tenth of what the producer writes. */
const RATE = 4_096;
const FLOOR = { minQuotaByteRate: 1_024 };

describe('producer-safe throttling of a real Java producer', function () {
  this.timeout(240_000);
  let cluster: Cluster;
  let h: RunbookApp | undefined;
  let actions: Harness;
  const producers: JavaProducer[] = [];
  const stops: Array<() => Promise<void>> = [];
  const tracking = { 'client-id': uniqueName('quota-tracking') };

  before(async function () {
    this.timeout(180_000);
    cluster = await useKafka();
    actions = actionHarness(cluster, { ...TEST_LIMITS, ...FLOOR });
    // Any client quota makes the brokers track every client's rate.
    await actions.admin.alterClientQuotas([{ entity: tracking, set: { producer_byte_rate: 1_048_576 } }]);
  });

  afterEach(async () => {
    while (stops.length > 0) await stops.pop()?.();
    while (producers.length > 0) await producers.pop()?.stop();
    await h?.close();
    h = undefined;
  });

  after(async () => {
    await actions?.admin.alterClientQuotas([{ entity: tracking, set: { producer_byte_rate: null } }]);
    await actions?.close();
  });

  async function producer(topic: string, clientId: string, seconds: number): Promise<JavaProducer> {
    const p = await startJavaProducer(cluster, { topic, clientId, perSecond: PER_SECOND, maxMessages: PER_SECOND * seconds, props: PRODUCER_PROPS });
    producers.push(p);
    await waitFor('the producer writing', async () => (p.acked() >= PER_SECOND ? true : undefined), { timeoutMs: 60_000, intervalMs: 200 });
    return p;
  }

  it('raises the rate to the floor at the producer\'s rate, and still drops records once held past the point the plan names', async () => {
    const topic = await createTopic(cluster, { prefix: 'unbounded' });
    const clientId = uniqueName('unbounded-writer');
    const p = await producer(topic, clientId, 90);
    const params = { clientIds: [clientId], producerByteRate: RATE, topics: [topic], deliveryTimeout: '30s' };
    const throttledAt = Date.now();
    const result = await actions.execute('kafka.throttleProducers', params);
    stops.push(async () => void (await actions.revert('kafka.throttleProducers', params, result as { prior: unknown; applied: unknown })));
    const safety = (result.output as { safety: ProducerSafety }).safety;
    expect(safety.case, safety.summary).to.equal('bounded');
    // Far faster than the quota, even on a loaded machine where the producer falls behind its target.
    expect(safety.observed.bytesPerSecond).to.be.greaterThan(RATE * 2);
    expect(safety.rate).to.equal(safety.floor).and.be.greaterThan(RATE);
    expect(await quotaOf(actions.admin, { 'client-id': clientId })).to.deep.equal({ producer_byte_rate: safety.rate });
    expect(result.holdLimit?.ms).to.be.at.most(safety.holdLimitMs!);
    const expired = await waitFor('a record the client dropped', async () => p.failures()[0], { timeoutMs: 120_000, intervalMs: 500 });
    expect(expired.exception).to.contain('TimeoutException');
    expect(expired.message).to.match(/Expiring \d+ record/);
    // Not before the delivery timeout, and about when the plan said (it errs on the early side).
    expect(expired.at - throttledAt).to.be.at.least(30_000);
    expect(expired.at - throttledAt).to.be.at.least(safety.expiresAfterMs! * 0.8);
  });

  it('keeps every record under the shipped consumer-lag runbook: the throttle is released at its hold limit while the alert still fires', async () => {
    const topic = await createTopic(cluster, { prefix: 'orders' });
    const group = uniqueName('billing');
    const clientId = uniqueName('orders-writer');
    stops.push((await consumeSlowly(cluster, group, topic, { perMessageMs: 20, commitEveryMs: 300 })).stop);
    const p = await producer(topic, clientId, 50);
    h = await startRunbookApp(cluster, {
      runbooks: ['consumer-lag'],
      params: { 'consumer-lag': { producers: `[{ topic: ${topic}, clientId: ${clientId} }]`, producerByteRate: String(RATE), producerDeliveryTimeout: '30s', lagSample: '3s' } },
      safety: FLOOR,
    });
    await h.post(
      notification('firing', {
        labels: { alertname: 'KafkaConsumerGroupLagHigh', cluster: 'test', consumergroup: group, topic, severity: 'warning' },
        annotations: { summary: `consumer group ${group} lags on ${topic}` },
        startsAt: new Date().toISOString(),
      }),
    );
    const id = await h.onlyIncident();
    const throttled = (await h.timeline(id)).find((e) => e.kind === 'step.succeeded' && e.data['stepId'] === 'throttle');
    expect(throttled, 'the throttle step succeeded').to.not.equal(undefined);
    const safety = (throttled!.data['output'] as { safety: ProducerSafety }).safety;
    expect(safety.case, safety.summary).to.equal('bounded');
    expect(safety.deliveryTimeoutMs).to.equal(30_000);
    expect(safety.rate).to.be.greaterThan(RATE);
    expect((throttled!.data['holdLimit'] as { ms: number }).ms).to.be.at.most(safety.holdLimitMs!);
    expect(await quotaOf(h.admin, { 'client-id': clientId })).to.deep.equal({ producer_byte_rate: safety.rate });

    const released = await waitFor(
      'the throttle released at its hold limit',
      async () => (await h!.timeline(id)).find((e) => e.kind === 'revert.succeeded' && e.data['stepId'] === 'throttle'),
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    expect(released.data['trigger']).to.equal('max-duration');
    expect(Date.parse(released.at) - Date.parse(throttled!.at)).to.be.below(safety.expiresAfterMs!);
    expect(await quotaOf(h.admin, { 'client-id': clientId })).to.deep.equal({});
    const entries = await h.timeline(id);
    expect(entries.find((e) => e.kind === 'release.scheduled')?.summary).to.contain('the longest it may hold');
    // The alert never resolved: the incident is open again, its lag no longer contained.
    expect(entries.some((e) => e.kind === 'alert.resolved')).to.equal(false);
    expect((await h.store.getIncident(id))?.status).to.equal('open');

    const totals = await Promise.race([p.finished, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the producer did not finish within 150 s')), 150_000).unref())]);
    const dropped = p.failures();
    const t0 = Date.parse(throttled!.at);
    const story = `throttled at 0, released at ${Date.parse(released.at) - t0} ms; ${dropped.length} failures, the first at ${dropped.length === 0 ? '-' : dropped[0]!.at - t0} ms (${dropped[0]?.message ?? ''}); ${JSON.stringify(safety)}`;
    expect(dropped.length, story).to.equal(0);
    expect(totals).to.deep.equal({ sent: PER_SECOND * 50, acked: PER_SECOND * 50 });
  });
});
