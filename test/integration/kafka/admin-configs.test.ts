import { expect } from 'chai';
import type { KafkaAdmin } from '../../../src/actions/kafka/types.ts';
import { eventually } from '../../support/eventually.ts';
import { createTopic, uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { adminFor, dynamicOf, configCommand } from './admin-support.ts';
import { rejection } from '../../support/rejection.ts';

describe('Kafka admin: topic and broker configs', () => {
  let cluster: Cluster;
  let admin: KafkaAdmin;

  before(async function () {
    this.timeout(300_000);
    cluster = await useKafka();
    admin = adminFor(cluster);
  });

  after(async () => {
    await admin?.close();
  });

  it('changes one topic config and leaves the other dynamic configs intact (no legacy AlterConfigs)', async () => {
    const topic = await createTopic(cluster, { prefix: 'cfg', configs: { 'cleanup.policy': 'compact', 'max.message.bytes': '200000', 'retention.ms': '3600000' } });
    await admin.incrementalAlterConfigs({ type: 'topic', name: topic }, [{ name: 'retention.ms', op: 'set', value: '120000' }]);
    await eventually(async () =>
      expect(dynamicOf(await admin.describeConfigs({ type: 'topic', name: topic }))).to.deep.equal({
        'cleanup.policy': 'compact',
        'max.message.bytes': '200000',
        'retention.ms': '120000',
      }),
    );

    await admin.incrementalAlterConfigs({ type: 'topic', name: topic }, [
      { name: 'max.message.bytes', op: 'delete' },
      { name: 'segment.ms', op: 'set', value: '600000' },
    ]);
    await eventually(async () =>
      expect(dynamicOf(await admin.describeConfigs({ type: 'topic', name: topic }))).to.deep.equal({
        'cleanup.policy': 'compact',
        'retention.ms': '120000',
        'segment.ms': '600000',
      }),
    );
    await eventually(async () => {
      const [maxMessage] = await admin.describeConfigs({ type: 'topic', name: topic }, ['max.message.bytes']);
      expect(maxMessage).to.include({ name: 'max.message.bytes', isDynamic: false });
      expect(maxMessage?.source).to.be.oneOf(['DEFAULT_CONFIG', 'STATIC_BROKER_CONFIG']);
    });
  });

  it('validates without changing, and rejects a bad value with KAFKA_INVALID_CONFIG', async () => {
    const topic = await createTopic(cluster, { prefix: 'cfg' });
    await admin.incrementalAlterConfigs({ type: 'topic', name: topic }, [{ name: 'retention.ms', op: 'set', value: '90000' }], { validateOnly: true });
    const err = await rejection(admin.incrementalAlterConfigs({ type: 'topic', name: topic }, [{ name: 'retention.ms', op: 'set', value: 'soon' }]));
    expect([err.code, err.retriable, err.statusCode]).to.deep.equal(['KAFKA_INVALID_CONFIG', false, 400]);
    expect(dynamicOf(await admin.describeConfigs({ type: 'topic', name: topic }))).to.deep.equal({});
  });

  it('reports a missing topic as KAFKA_UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const missing = uniqueName('missing');
    const read = await rejection(admin.describeConfigs({ type: 'topic', name: missing }));
    expect(read.code).to.equal('KAFKA_UNKNOWN_TOPIC_OR_PARTITION');
    const write = await rejection(admin.incrementalAlterConfigs({ type: 'topic', name: missing }, [{ name: 'retention.ms', op: 'set', value: '60000' }]));
    expect(write.code).to.equal('KAFKA_UNKNOWN_TOPIC_OR_PARTITION');
  });

  it('sets and deletes a dynamic config of one broker, on that broker', async () => {
    const { brokers } = await admin.describeCluster();
    const brokerId = String(brokers[brokers.length - 1]?.nodeId);
    const resource = { type: 'broker' as const, name: brokerId };
    try {
      await admin.incrementalAlterConfigs(resource, [{ name: 'leader.replication.throttled.rate', op: 'set', value: '10485760' }]);
      await eventually(async () => {
        const [entry] = await admin.describeConfigs(resource, ['leader.replication.throttled.rate']);
        expect(entry).to.include({ value: '10485760', isDynamic: true, source: 'DYNAMIC_BROKER_CONFIG' });
      });
    } finally {
      await admin.incrementalAlterConfigs(resource, [{ name: 'leader.replication.throttled.rate', op: 'delete' }]);
    }
    // A key that only exists as a dynamic config (the throttle rates) is not listed once unset.
    await eventually(async () => {
      const entries = await admin.describeConfigs(resource, ['leader.replication.throttled.rate']);
      expect(entries.filter((e) => e.isDynamic)).to.deep.equal([]);
    });
  });

  it('reads the cluster-wide broker default (empty broker name)', async () => {
    const entries = await admin.describeConfigs({ type: 'broker', name: '' });
    expect(entries.every((e) => e.isDynamic === (e.source === 'DYNAMIC_DEFAULT_BROKER_CONFIG'))).to.equal(true);
  });

  it('sets a topic config that Kafka\'s own ConfigCommand reports', async function () {
    this.timeout(120_000);
    const topic = await createTopic(cluster, { prefix: 'cli' });
    await admin.incrementalAlterConfigs({ type: 'topic', name: topic }, [{ name: 'retention.ms', op: 'set', value: '7200000' }]);
    // Every broker has applied the change (firebreak's all-brokers read) before the witness
    // runs, so one run of ConfigCommand (a JVM start: many seconds on a loaded machine) suffices
    // instead of several polled within a deadline.
    const [applied] = await admin.describeConfigs({ type: 'topic', name: topic }, ['retention.ms'], { consistency: 'all-brokers' });
    expect(applied).to.include({ value: '7200000', isDynamic: true });
    const out = await configCommand(cluster, ['--describe', '--entity-type', 'topics', '--entity-name', topic]);
    expect(out).to.contain(`Dynamic configs for topic ${topic}`);
    expect(out).to.match(/retention\.ms=7200000\b/);
  });
});
