import { expect } from 'chai';
import type { KafkaAdmin, QuotaEntity, QuotaEntry } from '../../../src/actions/kafka/types.ts';
import { createTopic, uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { adminFor, dynamicOf } from './admin-support.ts';
import { rejection } from '../../support/rejection.ts';

const ALL = { consistency: 'all-brokers' } as const;

/** The quota values of exactly `entity`, as every live broker agrees ({} when it has none). */
async function quotasOf(admin: KafkaAdmin, entity: QuotaEntity): Promise<QuotaEntry['values']> {
  const entries = await admin.describeClientQuotas({ entity, strict: true }, ALL);
  return entries.find((e) => JSON.stringify(e.entity) === JSON.stringify(entity))?.values ?? {};
}



// Each broker applies a change from the metadata log on its own, a few hundred milliseconds
// apart; a read from one random broker right after a write often shows the old value. These
// tests read right after each write, without waiting or polling, and must never see it.
describe('Kafka admin: all-brokers reads right after a write', () => {
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

  it('return a new quota at once, and its removal at once, every time (30 fresh entities)', async function () {
    this.timeout(120_000);
    for (let i = 0; i < 30; i++) {
      const entity = { 'client-id': uniqueName('fresh') };
      const rate = 1024 * (i + 1);
      await admin.alterClientQuotas([{ entity, set: { producer_byte_rate: rate } }]);
      expect(await quotasOf(admin, entity), `write ${i}`).to.deep.equal({ producer_byte_rate: rate });
      await admin.alterClientQuotas([{ entity, set: { producer_byte_rate: null } }]);
      expect(await quotasOf(admin, entity), `removal ${i}`).to.deep.equal({});
    }
  });

  it('return each new value of a topic config at once (30 successive values), and its deletion', async function () {
    this.timeout(120_000);
    const topic = await createTopic(cluster, { prefix: 'fresh' });
    const resource = { type: 'topic' as const, name: topic };
    for (let i = 0; i < 30; i++) {
      const value = String(3_600_000 + i * 60_000);
      await admin.incrementalAlterConfigs(resource, [{ name: 'retention.ms', op: 'set', value }]);
      expect(dynamicOf(await admin.describeConfigs(resource, ['retention.ms'], ALL)), `value ${i}`).to.deep.equal({ 'retention.ms': value });
    }
    await admin.incrementalAlterConfigs(resource, [{ name: 'retention.ms', op: 'delete' }]);
    expect(dynamicOf(await admin.describeConfigs(resource, undefined, ALL))).to.deep.equal({});
  });

  it('return a broker\'s own config from that broker at once after each change', async function () {
    this.timeout(60_000);
    const { brokers } = await admin.describeCluster();
    const resource = { type: 'broker' as const, name: String(brokers[brokers.length - 1]?.nodeId) };
    try {
      for (let i = 1; i <= 10; i++) {
        const value = String(10_485_760 * i);
        await admin.incrementalAlterConfigs(resource, [{ name: 'follower.replication.throttled.rate', op: 'set', value }]);
        const [entry] = await admin.describeConfigs(resource, ['follower.replication.throttled.rate'], ALL);
        expect(entry, `value ${i}`).to.include({ value, isDynamic: true, source: 'DYNAMIC_BROKER_CONFIG' });
      }
    } finally {
      await admin.incrementalAlterConfigs(resource, [{ name: 'follower.replication.throttled.rate', op: 'delete' }]);
    }
    expect(dynamicOf(await admin.describeConfigs(resource, ['follower.replication.throttled.rate'], ALL))).to.deep.equal({});
  });

  it('return a cluster-wide broker default at once, agreed on although static configs differ per broker', async () => {
    const resource = { type: 'broker' as const, name: '' };
    try {
      await admin.incrementalAlterConfigs(resource, [{ name: 'message.max.bytes', op: 'set', value: '2097152' }]);
      const entries = await admin.describeConfigs(resource, ['message.max.bytes'], ALL);
      expect(entries).to.deep.include({ name: 'message.max.bytes', value: '2097152', isDynamic: true, isDefault: false, isSensitive: false, source: 'DYNAMIC_DEFAULT_BROKER_CONFIG' });
    } finally {
      await admin.incrementalAlterConfigs(resource, [{ name: 'message.max.bytes', op: 'delete' }]);
    }
    expect(dynamicOf(await admin.describeConfigs(resource, ['message.max.bytes'], ALL))).to.deep.equal({});
  });

  it('agree on a topic\'s full description, including the configs each broker fills in from its own settings', async () => {
    const topic = await createTopic(cluster, { prefix: 'full', configs: { 'cleanup.policy': 'compact' } });
    const entries = await admin.describeConfigs({ type: 'topic', name: topic }, undefined, ALL);
    expect(entries.length).to.be.above(20);
    expect(dynamicOf(entries)).to.deep.equal({ 'cleanup.policy': 'compact' });
  });

  it('fail at once, with the brokers\' own error, for a topic no broker knows', async () => {
    const started = Date.now();
    const err = await rejection(admin.describeConfigs({ type: 'topic', name: uniqueName('missing') }, undefined, ALL));
    expect([err.code, err.statusCode]).to.deep.equal(['KAFKA_UNKNOWN_TOPIC_OR_PARTITION', 404]);
    // Well inside the operation bound: all brokers gave the same answer, nothing to wait for.
    expect(Date.now() - started).to.be.below(5_000);
  });

  it('refuse an unknown consistency and a broker id that is not in the cluster', async () => {
    const invalid = await rejection(admin.describeClientQuotas(undefined, { consistency: 'quorum' as 'all-brokers' }));
    expect(invalid.code).to.equal('KAFKA_INVALID_OPTIONS');
    const missing = await rejection(admin.describeConfigs({ type: 'broker', name: '4242' }, undefined, ALL));
    expect(missing.code).to.equal('KAFKA_BROKER_NOT_AVAILABLE');
  });
});
