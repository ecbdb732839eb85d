/**
 * DescribeLogDirs (API key 35). v0/v1 classic (identical on the wire; v0 removed in Kafka 4.0),
 * v2 flexible, v3 adds a top-level ErrorCode, v4 adds TotalBytes/UsableBytes per log dir.
 *
 * Request: Topics nullable [Topic STRING, Partitions [INT32]] (null = every partition).
 * Response: ThrottleTimeMs INT32, ErrorCode INT16 (v3+),
 *   Results [ErrorCode INT16, LogDir STRING,
 *            Topics [Name STRING, Partitions [PartitionIndex INT32, PartitionSize INT64,
 *                                             OffsetLag INT64, IsFutureKey BOOL]],
 *            TotalBytes INT64 (v4+), UsableBytes INT64 (v4+)].
 *
 * The request is answered by the broker it is sent to, about its own log dirs only: to see the
 * whole cluster, send it to every broker.
 */
import { decodeBody, encodeBody, type KafkaApi } from './api.ts';

export interface DescribeLogDirsRequest {
  /** null asks for every topic-partition the broker hosts. */
  topics: Array<{ topic: string; partitions: number[] }> | null;
}

export interface DescribeLogDirsPartition {
  partitionIndex: number;
  /** Bytes; int64 on the wire, kept as bigint until the caller converts. */
  partitionSize: bigint;
  offsetLag: bigint;
  isFutureKey: boolean;
}

export interface DescribeLogDirsResult {
  errorCode: number;
  logDir: string;
  topics: Array<{ name: string; partitions: DescribeLogDirsPartition[] }>;
  /** v4+: capacity and free space of the volume, bytes; -1 when unknown or before v4. */
  totalBytes: bigint;
  usableBytes: bigint;
}

export interface DescribeLogDirsResponse {
  throttleTimeMs: number;
  /** v3+: an error for the whole request (e.g. authorization); 0 before v3. */
  errorCode: number;
  results: DescribeLogDirsResult[];
}

export const describeLogDirsApi: KafkaApi<DescribeLogDirsRequest, DescribeLogDirsResponse> = {
  apiKey: 35,
  apiName: 'DescribeLogDirs',
  versions: [1, 0, 4, 3, 2],
  isFlexible: (version) => version >= 2,

  encodeRequest(request, version) {
    return encodeBody(this.isFlexible(version), (w) => {
      w.array(request.topics, (w, t) => {
        w.string(t.topic).array(t.partitions, (w, p) => w.int32(p));
        w.endStruct();
      });
      w.endStruct();
    });
  },

  decodeResponse(body, version) {
    return decodeBody(body, this.isFlexible(version), (r) => {
      const throttleTimeMs = r.int32();
      const errorCode = version >= 3 ? r.int16() : 0;
      const results = r.array((r): DescribeLogDirsResult => {
        const resultError = r.int16();
        const logDir = r.string();
        const topics = r.array((r) => {
          const name = r.string();
          const partitions = r.array((r): DescribeLogDirsPartition => {
            const p = { partitionIndex: r.int32(), partitionSize: r.int64(), offsetLag: r.int64(), isFutureKey: r.bool() };
            r.endStruct();
            return p;
          });
          r.endStruct();
          return { name, partitions };
        });
        const totalBytes = version >= 4 ? r.int64() : -1n;
        const usableBytes = version >= 4 ? r.int64() : -1n;
        r.endStruct();
        return { errorCode: resultError, logDir, topics, totalBytes, usableBytes };
      });
      r.endStruct();
      return { throttleTimeMs, errorCode, results };
    });
  },
};
