import { expect } from 'chai';
import { metadataApi } from '../../../src/actions/kafka/protocol/metadata.ts';
import * as fx from '../../fixtures/kafka-protocol/metadata.ts';

describe('Metadata wire format', () => {
  it('encodes v5 for named topics and for all topics (null)', () => {
    expect(metadataApi.encodeRequest({ topics: ['orders'], allowAutoTopicCreation: false }, 5).toString('hex')).to.equal(fx.metadataRequestV5.toString('hex'));
    expect(metadataApi.encodeRequest({ topics: null, allowAutoTopicCreation: false }, 5).toString('hex')).to.equal(fx.metadataAllRequestV5.toString('hex'));
  });

  it('decodes v5 with racks, offline replicas and a partition without a leader, without throwing', () => {
    expect(metadataApi.decodeResponse(fx.metadataResponseV5, 5)).to.deep.equal({
      throttleTimeMs: 0,
      brokers: [
        { nodeId: 1, host: '127.0.0.1', port: 9092, rack: 'rack-a' },
        { nodeId: 2, host: '127.0.0.1', port: 9093, rack: null },
      ],
      clusterId: 'cid',
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: 'orders',
          isInternal: false,
          partitions: [
            { errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1, 2, 3], isrNodes: [1, 2], offlineReplicas: [3] },
            { errorCode: 5, partitionIndex: 1, leaderId: -1, replicaNodes: [3], isrNodes: [], offlineReplicas: [3] },
          ],
        },
      ],
    });
  });
});
