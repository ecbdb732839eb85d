/**
 * DescribeQuorum (API key 55), v0-v2, flexible in every version. A broker forwards it to the
 * active controller, which answers with the state of the metadata log (`__cluster_metadata`,
 * partition 0): leader, epoch and, what firebreak uses it for, the high watermark, i.e. the
 * offset after the last committed record. Every write the cluster has acknowledged lies below it.
 *
 * Request: Topics [TopicName COMPACT_STRING, Partitions [PartitionIndex INT32]].
 * Response: ErrorCode INT16, ErrorMessage COMPACT_NULLABLE_STRING (v2+),
 *   Topics [TopicName, Partitions [PartitionIndex INT32, ErrorCode INT16,
 *     ErrorMessage COMPACT_NULLABLE_STRING (v2+), LeaderId INT32, LeaderEpoch INT32,
 *     HighWatermark INT64, CurrentVoters [ReplicaState], Observers [ReplicaState]]],
 *   Nodes [NodeId INT32, Listeners [Name, Host, Port UINT16]] (v2+).
 * ReplicaState: ReplicaId INT32, ReplicaDirectoryId UUID (v2+), LogEndOffset INT64,
 *   LastFetchTimestamp INT64 (v1+), LastCaughtUpTimestamp INT64 (v1+).
 */
import { decodeBody, encodeBody, type KafkaApi } from './api.ts';
import type { Reader } from './codec.ts';

export const METADATA_TOPIC = '__cluster_metadata';

export interface DescribeQuorumRequest {
  topics: Array<{ topicName: string; partitions: number[] }>;
}

export interface QuorumReplicaState {
  replicaId: number;
  /** -1n when unknown. */
  logEndOffset: bigint;
}

export interface DescribeQuorumPartition {
  partitionIndex: number;
  errorCode: number;
  errorMessage: string | null;
  leaderId: number;
  leaderEpoch: number;
  /** Offset after the last committed record; -1n while a new leader does not know it yet. */
  highWatermark: bigint;
  currentVoters: QuorumReplicaState[];
  observers: QuorumReplicaState[];
}

export interface DescribeQuorumResponse {
  errorCode: number;
  errorMessage: string | null;
  topics: Array<{ topicName: string; partitions: DescribeQuorumPartition[] }>;
}

function readReplicas(r: Reader, version: number): QuorumReplicaState[] {
  return r.array((r) => {
    const replicaId = r.int32();
    if (version >= 2) {
      r.int64(); // ReplicaDirectoryId: a UUID, two int64s
      r.int64();
    }
    const logEndOffset = r.int64();
    if (version >= 1) {
      r.int64(); // LastFetchTimestamp
      r.int64(); // LastCaughtUpTimestamp
    }
    r.endStruct();
    return { replicaId, logEndOffset };
  });
}

export const describeQuorumApi: KafkaApi<DescribeQuorumRequest, DescribeQuorumResponse> = {
  apiKey: 55,
  apiName: 'DescribeQuorum',
  versions: [0, 1, 2],
  isFlexible: () => true,

  encodeRequest(request, version) {
    return encodeBody(this.isFlexible(version), (w) => {
      w.array(request.topics, (w, t) => {
        w.string(t.topicName).array(t.partitions, (w, p) => w.int32(p).endStruct());
        w.endStruct();
      });
      w.endStruct();
    });
  },

  decodeResponse(body, version) {
    return decodeBody(body, this.isFlexible(version), (r) => {
      const errorCode = r.int16();
      const errorMessage = version >= 2 ? r.nullableString() : null;
      const topics = r.array((r) => {
        const topicName = r.string();
        const partitions = r.array((r): DescribeQuorumPartition => {
          const partitionIndex = r.int32();
          const partitionError = r.int16();
          const partitionMessage = version >= 2 ? r.nullableString() : null;
          const leaderId = r.int32();
          const leaderEpoch = r.int32();
          const highWatermark = r.int64();
          const currentVoters = readReplicas(r, version);
          const observers = readReplicas(r, version);
          r.endStruct();
          return { partitionIndex, errorCode: partitionError, errorMessage: partitionMessage, leaderId, leaderEpoch, highWatermark, currentVoters, observers };
        });
        r.endStruct();
        return { topicName, partitions };
      });
      if (version >= 2) {
        r.array((r) => {
          r.int32(); // NodeId
          r.array((r) => {
            r.string(); // Name
            r.string(); // Host
            r.int16(); // Port (UINT16)
            r.endStruct();
          });
          r.endStruct();
        });
      }
      r.endStruct();
      return { errorCode, errorMessage, topics };
    });
  },
};
