/**
 * Effect verification of a producer throttle against real producers: after the broker's quota
 * window, the topic's growth is compared with what the quota allows. A throttled producer is
 * bounded (`effective`); a throttle on a client-id that is not the topic's producer leaves it
 * unbounded (`no-effect`), which the engine records and escalates.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import type { Verification } from '../../../src/actions/types.ts';
import { createTopic, uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { startEngineApp } from '../engine/engine-app.ts';
import { actionHarness, type Harness } from './harness.ts';
import { produceSteadily } from './kafka-clients.ts';
import { registerKafkaActions } from '../../../src/actions/kafka/index.ts';
import { ActionRegistry } from '../../../src/actions/registry.ts';

const RATE = 65_536;

describe('effect verification of producer throttles', function () {
  this.timeout(120_000);
  let cluster: Cluster;
  let h: Harness;
  const stops: Array<() => Promise<void>> = [];
  const throttle = registerKafkaActions(new ActionRegistry()).get('kafka.throttleProducers');

  before(async function () {
    this.timeout(240_000);
    cluster = await useKafka();
    h = actionHarness(cluster);
  });
  afterEach(async () => {
    while (stops.length > 0) await stops.pop()?.();
  });
  after(async () => {
    await h?.close();
  });

  it('is effective for a real producer the quota slows down', async () => {
    const topic = await createTopic(cluster);
    const client = uniqueName('writer');
    // About 300 KB/s wanted, throttled to 64 KiB/s.
    stops.push((await produceSteadily(cluster, topic, [0], 300, { clientId: client, bytes: 1000 })).stop);
    const params = { clientIds: [client], producerByteRate: RATE, topics: [topic] };
    const result = await h.execute('kafka.throttleProducers', params);
    const v = (await throttle.verify!(h.ctx, params, result)) as Verification;
    expect(v.effect, v.summary).to.equal('effective');
    expect(v.data['observedBytesPerSecond']).to.be.at.most(RATE * 1.5);
    await h.revert('kafka.throttleProducers', params, result as { prior: unknown; applied: unknown });
  });

  it('finds no effect where the quota cannot act (the throttled client-id is not the producer), and the engine escalates', async () => {
    const topic = await createTopic(cluster);
    const producer = uniqueName('real-writer');
    const wrong = uniqueName('mapped-writer');
    stops.push((await produceSteadily(cluster, topic, [0], 300, { clientId: producer, bytes: 1000 })).stop);
    const app = await startEngineApp(cluster, { mode: 'enforce' });
    try {
      await app.post({
        version: '4',
        groupKey: '{}:{alertname="EngineTestThrottleVerified"}',
        truncatedAlerts: 0,
        status: 'firing',
        receiver: 'firebreak',
        groupLabels: {},
        commonLabels: {},
        commonAnnotations: {},
        externalURL: 'http://127.0.0.1:9093',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: 'EngineTestThrottleVerified', client: wrong, topic },
            annotations: {},
            startsAt: new Date().toISOString(),
            endsAt: '0001-01-01T00:00:00Z',
            generatorURL: '',
            fingerprint: createHash('sha256').update(wrong).digest('hex').slice(0, 16),
          },
        ],
      });
      const id = await app.incidentByKey(`engine-throttle-verified{client="${wrong}"}`);
      const verified = await app.waitForEntry(id, (e) => e.kind === 'step.verified', 'the verification', 60_000);
      expect(verified.data['effect'], verified.summary).to.equal('no-effect');
      expect((verified.data['verification'] as { observedBytesPerSecond: number }).observedBytesPerSecond).to.be.greaterThan(RATE * 1.5);
      const escalated = await app.waitForEntry(id, (e) => e.kind === 'incident.escalated', 'the escalation');
      expect(escalated.data['reason']).to.equal('no-effect');
    } finally {
      await app.close();
    }
  });
});
