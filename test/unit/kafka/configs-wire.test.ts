import { expect } from 'chai';
import { describeConfigsApi } from '../../../src/actions/kafka/protocol/describe-configs.ts';
import {
  incrementalAlterConfigsApi,
  OP_DELETE,
  OP_SET,
  RESOURCE_BROKER,
  RESOURCE_TOPIC,
} from '../../../src/actions/kafka/protocol/incremental-alter-configs.ts';
import * as fx from '../../fixtures/kafka-protocol/configs.ts';

describe('IncrementalAlterConfigs wire format', () => {
  const request = {
    resources: [
      {
        resourceType: RESOURCE_TOPIC,
        resourceName: 'orders',
        configs: [
          { name: 'retention.ms', configOperation: OP_SET, value: '60000' },
          { name: 'cleanup.policy', configOperation: OP_DELETE, value: null },
        ],
      },
    ],
    validateOnly: true,
  };

  it('encodes v0 SET with a value and DELETE with a null value', () => {
    expect(incrementalAlterConfigsApi.encodeRequest(request, 0).toString('hex')).to.equal(fx.incrementalAlterRequestV0.toString('hex'));
  });

  it('encodes v1 in the flexible encoding', () => {
    expect(incrementalAlterConfigsApi.encodeRequest(request, 1).toString('hex')).to.equal(fx.incrementalAlterRequestV1.toString('hex'));
  });

  it('decodes one result per resource, with its own error', () => {
    expect(incrementalAlterConfigsApi.decodeResponse(fx.incrementalAlterResponseV0, 0)).to.deep.equal({
      throttleTimeMs: 0,
      responses: [
        { errorCode: 0, errorMessage: null, resourceType: RESOURCE_TOPIC, resourceName: 'orders' },
        { errorCode: 40, errorMessage: 'bad', resourceType: RESOURCE_BROKER, resourceName: '1' },
      ],
    });
  });
});

describe('DescribeConfigs wire format', () => {
  it('encodes v2 with named keys, and with null keys for all', () => {
    const named = describeConfigsApi.encodeRequest(
      { resources: [{ resourceType: RESOURCE_TOPIC, resourceName: 'orders', configurationKeys: ['retention.ms'] }], includeSynonyms: false },
      2,
    );
    expect(named.toString('hex')).to.equal(fx.describeConfigsRequestV2.toString('hex'));
    const all = describeConfigsApi.encodeRequest(
      { resources: [{ resourceType: RESOURCE_BROKER, resourceName: '', configurationKeys: null }], includeSynonyms: false },
      2,
    );
    expect(all.toString('hex')).to.equal(fx.describeConfigsAllKeysRequestV2.toString('hex'));
  });

  it('decodes values with their source', () => {
    const response = describeConfigsApi.decodeResponse(fx.describeConfigsResponseV2, 2);
    expect(response.results[0]?.configs).to.deep.equal([
      { name: 'retention.ms', value: '60000', readOnly: false, configSource: 1, isSensitive: false, synonyms: [] },
      { name: 'cleanup.policy', value: 'delete', readOnly: false, configSource: 5, isSensitive: false, synonyms: [] },
    ]);
  });
});
