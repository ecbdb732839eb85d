import { expect } from 'chai';
import { alterClientQuotasApi } from '../../../src/actions/kafka/protocol/alter-client-quotas.ts';
import { describeClientQuotasApi, MATCH_DEFAULT, MATCH_EXACT } from '../../../src/actions/kafka/protocol/describe-client-quotas.ts';
import * as fx from '../../fixtures/kafka-protocol/client-quotas.ts';

const filter = {
  components: [
    { entityType: 'user', matchType: MATCH_EXACT, match: 'alice' },
    { entityType: 'client-id', matchType: MATCH_DEFAULT, match: null },
  ],
  strict: true,
};

describe('DescribeClientQuotas wire format', () => {
  it('encodes v0 with a null match for the default entity', () => {
    expect(describeClientQuotasApi.encodeRequest(filter, 0).toString('hex')).to.equal(fx.describeQuotasRequestV0.toString('hex'));
  });

  it('encodes v1 in the flexible encoding', () => {
    expect(describeClientQuotasApi.isFlexible(1)).to.equal(true);
    expect(describeClientQuotasApi.encodeRequest(filter, 1).toString('hex')).to.equal(fx.describeQuotasRequestV1.toString('hex'));
  });

  it('decodes v0 entries with null entity names and several values', () => {
    expect(describeClientQuotasApi.decodeResponse(fx.describeQuotasResponseV0, 0)).to.deep.equal({
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      entries: [
        { entity: [{ entityType: 'user', entityName: 'alice' }], values: [{ key: 'producer_byte_rate', value: 1024 }] },
        {
          entity: [{ entityType: 'client-id', entityName: null }],
          values: [
            { key: 'consumer_byte_rate', value: 2048.5 },
            { key: 'request_percentage', value: 50 },
          ],
        },
      ],
    });
  });

  it('decodes a request-level error with null entries, and an empty result apart from it', () => {
    expect(describeClientQuotasApi.decodeResponse(fx.describeQuotasErrorResponseV0, 0)).to.deep.equal({
      throttleTimeMs: 0,
      errorCode: 42,
      errorMessage: 'bad',
      entries: null,
    });
    expect(describeClientQuotasApi.decodeResponse(fx.describeQuotasEmptyResponseV0, 0).entries).to.deep.equal([]);
  });

  it('decodes v1, skipping the header tags and an unknown tagged field', () => {
    expect(describeClientQuotasApi.decodeResponse(fx.describeQuotasResponseV1, 1)).to.deep.equal({
      throttleTimeMs: 500,
      errorCode: 0,
      errorMessage: null,
      entries: [{ entity: [{ entityType: 'user', entityName: null }], values: [{ key: 'producer_byte_rate', value: 1024 }] }],
    });
  });

  it('refuses a v0 body decoded as v1 instead of returning garbage', () => {
    expect(() => describeClientQuotasApi.decodeResponse(fx.describeQuotasResponseV0, 1)).to.throw(/malformed Kafka message/);
  });
});

describe('AlterClientQuotas wire format', () => {
  const request = {
    entries: [
      { entity: [{ entityType: 'client-id', entityName: 'app1' }], ops: [{ key: 'producer_byte_rate', value: 1_048_576, remove: false }] },
      { entity: [{ entityType: 'user', entityName: null }], ops: [{ key: 'consumer_byte_rate', value: 0, remove: true }] },
    ],
    validateOnly: false,
  };

  it('encodes v0 set and remove operations, the default entity as a null name', () => {
    expect(alterClientQuotasApi.encodeRequest(request, 0).toString('hex')).to.equal(fx.alterQuotasRequestV0.toString('hex'));
  });

  it('encodes v1 in the flexible encoding', () => {
    const one = { entries: [request.entries[0]!], validateOnly: true };
    expect(alterClientQuotasApi.encodeRequest(one, 1).toString('hex')).to.equal(fx.alterQuotasRequestV1.toString('hex'));
  });

  it('decodes per-entry results, keeping the failed entry with its error', () => {
    expect(alterClientQuotasApi.decodeResponse(fx.alterQuotasResponseV0, 0)).to.deep.equal({
      throttleTimeMs: 0,
      entries: [
        { errorCode: 0, errorMessage: null, entity: [{ entityType: 'client-id', entityName: 'app1' }] },
        { errorCode: 42, errorMessage: 'bad', entity: [{ entityType: 'user', entityName: null }] },
      ],
    });
  });

  it('encodes an empty entry list as a zero count', () => {
    expect(alterClientQuotasApi.encodeRequest({ entries: [], validateOnly: false }, 0).toString('hex')).to.equal('00000000' + '00');
  });
});
