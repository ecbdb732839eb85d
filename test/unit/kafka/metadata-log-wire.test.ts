import { expect } from 'chai';
import { committedOffsetOf } from '../../../src/actions/kafka/metadata-log.ts';
import { apiVersionsApi } from '../../../src/actions/kafka/protocol/api-versions.ts';
import { describeQuorumApi, METADATA_TOPIC } from '../../../src/actions/kafka/protocol/describe-quorum.ts';
import { FirebreakError } from '../../../src/errors.ts';
import * as fx from '../../fixtures/kafka-protocol/metadata-log.ts';

const software = { clientSoftwareName: 'firebreak', clientSoftwareVersion: 'unknown' };
const quorumRequest = { topics: [{ topicName: METADATA_TOPIC, partitions: [0] }] };

function thrown(fn: () => unknown): FirebreakError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(FirebreakError);
    return e as FirebreakError;
  }
  expect.fail('expected a FirebreakError');
}

describe('ApiVersions wire format (applied metadata offset)', () => {
  it('encodes v3 and v4 with the client software name and version, flexible', () => {
    for (const version of [3, 4]) {
      expect(apiVersionsApi.isFlexible(version)).to.equal(true);
      expect(apiVersionsApi.encodeRequest(software, version).toString('hex')).to.equal(fx.apiVersionsRequestV3.toString('hex'));
    }
  });

  it('decodes the API ranges and FinalizedFeaturesEpoch, skipping the other tagged fields, with no header tags', () => {
    expect(apiVersionsApi.decodeResponse(fx.apiVersionsResponseV3, 3)).to.deep.equal({
      errorCode: 0,
      apiKeys: [
        { apiKey: 18, minVersion: 0, maxVersion: 4 },
        { apiKey: 55, minVersion: 0, maxVersion: 2 },
      ],
      throttleTimeMs: 0,
      finalizedFeaturesEpoch: 981n,
    });
  });

  it('reports -1 when the broker sends no FinalizedFeaturesEpoch', () => {
    expect(apiVersionsApi.decodeResponse(fx.apiVersionsResponseNoEpochV3, 3).finalizedFeaturesEpoch).to.equal(-1n);
  });

  it('rejects a FinalizedFeaturesEpoch that is not 8 bytes as KAFKA_PROTOCOL', () => {
    expect(thrown(() => apiVersionsApi.decodeResponse(fx.apiVersionsResponseShortEpochV3, 3)).code).to.equal('KAFKA_PROTOCOL');
  });
});

describe('DescribeQuorum wire format (committed metadata offset)', () => {
  it('encodes the same request in v0, v1 and v2', () => {
    for (const version of [0, 1, 2]) {
      expect(describeQuorumApi.encodeRequest(quorumRequest, version).toString('hex')).to.equal(fx.describeQuorumRequest.toString('hex'));
    }
  });

  it('decodes v0: leader, epoch, high watermark and voters', () => {
    expect(describeQuorumApi.decodeResponse(fx.describeQuorumResponseV0, 0)).to.deep.equal({
      errorCode: 0,
      errorMessage: null,
      topics: [
        {
          topicName: '__cluster_metadata',
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              errorMessage: null,
              leaderId: 1,
              leaderEpoch: 5,
              highWatermark: 982n,
              currentVoters: [
                { replicaId: 1, logEndOffset: 982n },
                { replicaId: 2, logEndOffset: 981n },
              ],
              observers: [],
            },
          ],
        },
      ],
    });
  });

  it('decodes v1 replica timestamps and observers', () => {
    const partition = describeQuorumApi.decodeResponse(fx.describeQuorumResponseV1, 1).topics[0]?.partitions[0];
    expect(partition).to.deep.include({ leaderId: 3, highWatermark: 16n });
    expect(partition?.currentVoters).to.deep.equal([{ replicaId: 3, logEndOffset: 16n }]);
    expect(partition?.observers).to.deep.equal([{ replicaId: 4, logEndOffset: 15n }]);
  });

  it('decodes v2: error messages, replica directory ids and the nodes array', () => {
    const response = describeQuorumApi.decodeResponse(fx.describeQuorumResponseV2, 2);
    expect(response.errorMessage).to.equal(null);
    expect(response.topics[0]?.partitions[0]).to.deep.include({ leaderEpoch: 7, highWatermark: -1n });
    expect(response.topics[0]?.partitions[0]?.currentVoters).to.deep.equal([{ replicaId: 1, logEndOffset: 32n }]);
  });

  it('gives the last committed offset as high watermark - 1, none while the leader does not know it', () => {
    expect(committedOffsetOf(describeQuorumApi.decodeResponse(fx.describeQuorumResponseV0, 0))).to.equal(981);
    expect(committedOffsetOf(describeQuorumApi.decodeResponse(fx.describeQuorumResponseV1, 1))).to.equal(15);
    expect(committedOffsetOf(describeQuorumApi.decodeResponse(fx.describeQuorumResponseV2, 2))).to.equal(null);
  });

  it('surfaces a refused DescribeQuorum as the broker error', () => {
    const err = thrown(() => committedOffsetOf(describeQuorumApi.decodeResponse(fx.describeQuorumDeniedV0, 0)));
    expect([err.code, err.statusCode, err.retriable]).to.deep.equal(['KAFKA_CLUSTER_AUTHORIZATION_FAILED', 403, false]);
  });
});
