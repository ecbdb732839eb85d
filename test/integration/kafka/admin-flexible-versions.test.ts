import { expect } from 'chai';
import { routerFor } from './admin-support.ts';
import { alterClientQuotasApi } from '../../../src/actions/kafka/protocol/alter-client-quotas.ts';
import type { KafkaApi } from '../../../src/actions/kafka/protocol/api.ts';
import { describeClientQuotasApi, MATCH_EXACT } from '../../../src/actions/kafka/protocol/describe-client-quotas.ts';
import { describeLogDirsApi } from '../../../src/actions/kafka/protocol/describe-log-dirs.ts';
import { incrementalAlterConfigsApi, OP_SET, RESOURCE_TOPIC } from '../../../src/actions/kafka/protocol/incremental-alter-configs.ts';
import type { Router } from '../../../src/actions/kafka/routing.ts';
import { eventually } from '../../support/eventually.ts';
import { createTopic, uniqueName, useKafka, type Cluster } from '../../support/kafka.ts';

/** The same API pinned to one version, as if the broker accepted only that one. */
function pinned<Req, Res>(api: KafkaApi<Req, Res>, version: number): KafkaApi<Req, Res> {
  return { ...api, versions: [version] };
}

// Both supported Kafka releases accept the classic versions, so firebreak never picks the
// flexible ones against them; this proves the flexible encodings work against a real broker for
// the day one is needed.
describe('Kafka admin: flexible protocol versions against a real broker', () => {
  let cluster: Cluster;
  let closeRouter: (() => Promise<void>) | undefined;
  let router: Router;

  before(async function () {
    this.timeout(300_000);
    cluster = await useKafka();
    ({ router, close: closeRouter } = await routerFor(cluster));
  });

  after(async () => {
    await closeRouter?.();
  });

  it('alters and describes client quotas with v1', async () => {
    const clientId = uniqueName('flex');
    const entity = [{ entityType: 'client-id', entityName: clientId }];
    const altered = await router.any(pinned(alterClientQuotasApi, 1), {
      entries: [{ entity, ops: [{ key: 'consumer_byte_rate', value: 3000, remove: false }] }],
      validateOnly: false,
    });
    expect(altered.version).to.equal(1);
    expect(altered.response.entries).to.deep.equal([{ errorCode: 0, errorMessage: null, entity }]);
    await eventually(async () => {
      const { response } = await router.any(pinned(describeClientQuotasApi, 1), {
        components: [{ entityType: 'client-id', matchType: MATCH_EXACT, match: clientId }],
        strict: true,
      });
      expect(response.entries).to.deep.equal([{ entity, values: [{ key: 'consumer_byte_rate', value: 3000 }] }]);
    });
    await router.any(pinned(alterClientQuotasApi, 1), { entries: [{ entity, ops: [{ key: 'consumer_byte_rate', value: 0, remove: true }] }], validateOnly: false });
  });

  it('alters a topic config with IncrementalAlterConfigs v1', async () => {
    const topic = await createTopic(cluster, { prefix: 'flex' });
    const { response, version } = await router.any(pinned(incrementalAlterConfigsApi, 1), {
      resources: [{ resourceType: RESOURCE_TOPIC, resourceName: topic, configs: [{ name: 'retention.ms', configOperation: OP_SET, value: '86400000' }] }],
      validateOnly: true,
    });
    expect(version).to.equal(1);
    expect(response.responses.map((r) => [r.errorCode, r.resourceType, r.resourceName])).to.deep.equal([[0, RESOURCE_TOPIC, topic]]);
    const invalid = await router.any(pinned(incrementalAlterConfigsApi, 1), {
      resources: [{ resourceType: RESOURCE_TOPIC, resourceName: topic, configs: [{ name: 'retention.ms', configOperation: OP_SET, value: 'soon' }] }],
      validateOnly: true,
    });
    expect(invalid.response.responses[0]?.errorCode).to.equal(40); // INVALID_CONFIG, message decoded too
    expect(invalid.response.responses[0]?.errorMessage).to.be.a('string').and.match(/retention\.ms/);
  });

  for (const version of [2, 3, 4]) {
    it(`describes log dirs with v${version}`, async () => {
      const [nodeId] = await router.nodeIds();
      const { response } = await router.to(nodeId!, pinned(describeLogDirsApi, version), { topics: null });
      expect(response.errorCode).to.equal(0);
      expect(response.results.length).to.be.at.least(1);
      expect(response.results.every((r) => r.errorCode === 0 && r.logDir.length > 0)).to.equal(true);
      if (version >= 4) expect(response.results.every((r) => r.totalBytes > 0n && r.usableBytes > 0n)).to.equal(true);
      else expect(response.results.every((r) => r.totalBytes === -1n)).to.equal(true);
    });
  }
});
