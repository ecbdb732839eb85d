import { expect } from 'chai';
import { describeLogDirsApi } from '../../../src/actions/kafka/protocol/describe-log-dirs.ts';
import * as fx from '../../fixtures/kafka-protocol/log-dirs.ts';

describe('DescribeLogDirs wire format', () => {
  it('encodes a null topic list (all topics) and a topic with partitions', () => {
    expect(describeLogDirsApi.encodeRequest({ topics: null }, 1).toString('hex')).to.equal(fx.logDirsAllRequestV1.toString('hex'));
    expect(describeLogDirsApi.encodeRequest({ topics: [{ topic: 'orders', partitions: [0, 2] }] }, 1).toString('hex')).to.equal(
      fx.logDirsTopicRequestV1.toString('hex'),
    );
    expect(describeLogDirsApi.encodeRequest({ topics: null }, 2).toString('hex')).to.equal(fx.logDirsAllRequestV2.toString('hex'));
  });

  it('decodes v1: sizes above 4 GiB, future replicas, a failed log dir with no topics', () => {
    expect(describeLogDirsApi.decodeResponse(fx.logDirsResponseV1, 1)).to.deep.equal({
      throttleTimeMs: 0,
      errorCode: 0,
      results: [
        {
          errorCode: 0,
          logDir: '/data/a',
          topics: [
            {
              name: 'orders',
              partitions: [
                { partitionIndex: 0, partitionSize: 1234n, offsetLag: 0n, isFutureKey: false },
                { partitionIndex: 1, partitionSize: 5_000_000_000n, offsetLag: 3n, isFutureKey: true },
              ],
            },
          ],
          totalBytes: -1n,
          usableBytes: -1n,
        },
        { errorCode: 56, logDir: '/data/b', topics: [], totalBytes: -1n, usableBytes: -1n },
      ],
    });
  });

  it('decodes v3 (flexible, top-level error code) and v4 (volume sizes)', () => {
    const v3 = describeLogDirsApi.decodeResponse(fx.logDirsResponseV3, 3);
    expect(v3.results[0]?.topics[0]?.partitions).to.deep.equal([{ partitionIndex: 0, partitionSize: 1234n, offsetLag: 0n, isFutureKey: false }]);
    const v4 = describeLogDirsApi.decodeResponse(fx.logDirsResponseV4, 4);
    expect(v4.results).to.deep.equal([{ errorCode: 0, logDir: '/data/a', topics: [], totalBytes: 5_000_000_000n, usableBytes: 1234n }]);
  });

  it('decodes a request-level error (v3+) with no results', () => {
    expect(describeLogDirsApi.decodeResponse(fx.logDirsDeniedResponseV3, 3)).to.deep.equal({ throttleTimeMs: 0, errorCode: 31, results: [] });
  });

  it('prefers the classic v1 and never v0 first (Kafka 4.0 removed v0)', () => {
    expect(describeLogDirsApi.versions[0]).to.equal(1);
    expect(describeLogDirsApi.isFlexible(1)).to.equal(false);
    expect(describeLogDirsApi.isFlexible(2)).to.equal(true);
  });
});
