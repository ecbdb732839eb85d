import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '../../../scripts/kafka/cluster.ts';
import type { KafkaAdmin, QuotaEntity } from '../../../src/actions/kafka/types.ts';
import { waitFor } from '../../support/eventually.ts';
import { createTopic, testKafkaVersion, uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';
import { adminFor } from './admin-support.ts';

const ALL = { consistency: 'all-brokers' } as const;

async function quotasOf(admin: KafkaAdmin, entity: QuotaEntity): Promise<Record<string, number>> {
  const entries = await admin.describeClientQuotas({ entity, strict: true }, ALL);
  return (entries.find((e) => JSON.stringify(e.entity) === JSON.stringify(entity))?.values ?? {}) as Record<string, number>;
}

/**
 * A write right after a node crashed: when the crashed node was the controller quorum's leader
 * (any node of this combined cluster may be), the others elect a new one first (the quorum's
 * fetch timeout, then a vote: seconds on an idle machine, longer on a loaded one), and a write
 * sent meanwhile can outlast the admin's operation timeout. It is retried, while it fails with a
 * retriable error, until a controller takes it; any other error fails at once.
 */
async function writeAfterCrash(what: string, write: () => Promise<void>): Promise<void> {
  await waitFor(
    `${what} once a controller takes writes`,
    async () => {
      try {
        await write();
        return true;
      } catch (e) {
        if ((e as { retriable?: boolean }).retriable === true) return undefined;
        throw e;
      }
    },
    { timeoutMs: 90_000, intervalMs: 500 },
  );
}

// A broker that cannot be reached serves no client, so it cannot hand anyone a stale answer,
// and a KRaft broker accepts clients again only once it has caught up with the metadata log:
// all-brokers reads leave it out rather than fail until the controller drops it.
describe('Kafka admin: all-brokers reads with a broker down', function () {
  this.timeout(240_000);
  let cluster: Cluster;
  let ownDir: string | undefined;
  let admin: KafkaAdmin;

  before(async () => {
    const shared = await useKafka();
    if (shared.managed) {
      cluster = shared;
    } else {
      // An external cluster's brokers cannot be stopped from here: use a cluster of our own.
      ownDir = await mkdtemp(join(tmpdir(), 'firebreak-consistent-'));
      cluster = await startCluster({ dir: ownDir, brokers: 3, version: testKafkaVersion() });
    }
    admin = adminFor(cluster);
  });

  after(async () => {
    await admin?.close();
    if (ownDir === undefined) return;
    await cluster.stop();
    await rm(ownDir, { recursive: true, force: true });
  });

  it('answers with the brokers still up, reflecting writes made meanwhile, and agrees again once the broker is back', async () => {
    const entity = { 'client-id': uniqueName('down') };
    const topic = await createTopic(cluster, { prefix: 'down' });
    await admin.alterClientQuotas([{ entity, set: { producer_byte_rate: 4096 } }]);
    expect(await quotasOf(admin, entity)).to.deep.equal({ producer_byte_rate: 4096 });

    // A crash: the broker stays in the metadata until the controller fences it.
    await cluster.stopBroker(3, { signal: 'SIGKILL' });
    try {
      expect(await quotasOf(admin, entity)).to.deep.equal({ producer_byte_rate: 4096 });
      await writeAfterCrash('the quota', () => admin.alterClientQuotas([{ entity, set: { producer_byte_rate: 8192 } }]));
      expect(await quotasOf(admin, entity)).to.deep.equal({ producer_byte_rate: 8192 });
      await writeAfterCrash('the topic config', () => admin.incrementalAlterConfigs({ type: 'topic', name: topic }, [{ name: 'retention.ms', op: 'set', value: '7200000' }]));
      const [retention] = await admin.describeConfigs({ type: 'topic', name: topic }, ['retention.ms'], ALL);
      expect(retention).to.include({ value: '7200000', isDynamic: true });
    } finally {
      await cluster.startBroker(3);
    }
    // Back, and caught up with what changed while it was down: every broker agrees at once.
    expect((await admin.describeCluster()).brokers.map((b) => b.nodeId)).to.deep.equal([1, 2, 3]);
    expect(await quotasOf(admin, entity)).to.deep.equal({ producer_byte_rate: 8192 });
    const [retention] = await admin.describeConfigs({ type: 'topic', name: topic }, ['retention.ms'], ALL);
    expect(retention).to.include({ value: '7200000', isDynamic: true });
    await admin.alterClientQuotas([{ entity, set: { producer_byte_rate: null } }]);
    expect(await quotasOf(admin, entity)).to.deep.equal({});
  });

  it('fails for a broker\'s own config while that broker is down: no other broker can speak for it', async () => {
    await cluster.stopBroker(2, { signal: 'SIGKILL' });
    try {
      let code: string | undefined;
      try {
        await admin.describeConfigs({ type: 'broker', name: '2' }, ['follower.replication.throttled.rate'], ALL);
      } catch (e) {
        code = (e as { code?: string }).code;
      }
      expect(code).to.be.oneOf(['KAFKA_UNREACHABLE', 'KAFKA_BROKER_NOT_AVAILABLE']);
    } finally {
      await cluster.startBroker(2);
    }
    const entries = await admin.describeConfigs({ type: 'broker', name: '2' }, ['follower.replication.throttled.rate'], ALL);
    expect(entries.filter((e) => e.isDynamic)).to.deep.equal([]);
  });
});
