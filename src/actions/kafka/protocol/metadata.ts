/**
 * Metadata (API key 3), v5 (classic; accepted by Kafka 3.9 and 4.x alike).
 * firebreak sends its own rather than going through kafkajs's admin because kafkajs's parser
 * throws on the first partition error (e.g. LEADER_NOT_AVAILABLE): an incident tool must be able
 * to list exactly those offline partitions.
 *
 * Request: Topics nullable [Name STRING] (null = all topics), AllowAutoTopicCreation BOOL.
 * Response: ThrottleTimeMs INT32, Brokers [NodeId INT32, Host STRING, Port INT32,
 *   Rack NULLABLE_STRING], ClusterId NULLABLE_STRING, ControllerId INT32,
 *   Topics [ErrorCode INT16, Name STRING, IsInternal BOOL, Partitions [ErrorCode INT16,
 *     PartitionIndex INT32, LeaderId INT32, ReplicaNodes [INT32], IsrNodes [INT32],
 *     OfflineReplicas [INT32]]].
 */
import { decodeBody, encodeBody, type KafkaApi } from './api.ts';

export interface MetadataRequest {
  topics: string[] | null;
  allowAutoTopicCreation: boolean;
}

export interface MetadataPartition {
  errorCode: number;
  partitionIndex: number;
  leaderId: number;
  replicaNodes: number[];
  isrNodes: number[];
  offlineReplicas: number[];
}

export interface MetadataResponse {
  throttleTimeMs: number;
  brokers: Array<{ nodeId: number; host: string; port: number; rack: string | null }>;
  clusterId: string | null;
  controllerId: number;
  topics: Array<{ errorCode: number; name: string; isInternal: boolean; partitions: MetadataPartition[] }>;
}

export const metadataApi: KafkaApi<MetadataRequest, MetadataResponse> = {
  apiKey: 3,
  apiName: 'Metadata',
  versions: [5],
  isFlexible: () => false,

  encodeRequest(request, version) {
    return encodeBody(this.isFlexible(version), (w) => {
      w.array(request.topics, (w, name) => w.string(name).endStruct());
      w.bool(request.allowAutoTopicCreation).endStruct();
    });
  },

  decodeResponse(body, version) {
    return decodeBody(body, this.isFlexible(version), (r) => {
      const throttleTimeMs = r.int32();
      const brokers = r.array((r) => {
        const b = { nodeId: r.int32(), host: r.string(), port: r.int32(), rack: r.nullableString() };
        r.endStruct();
        return b;
      });
      const clusterId = r.nullableString();
      const controllerId = r.int32();
      const topics = r.array((r) => {
        const errorCode = r.int16();
        const name = r.string();
        const isInternal = r.bool();
        const partitions = r.array((r): MetadataPartition => {
          const p = {
            errorCode: r.int16(),
            partitionIndex: r.int32(),
            leaderId: r.int32(),
            replicaNodes: r.array((r) => r.int32()),
            isrNodes: r.array((r) => r.int32()),
            offlineReplicas: r.array((r) => r.int32()),
          };
          r.endStruct();
          return p;
        });
        r.endStruct();
        return { errorCode, name, isInternal, partitions };
      });
      r.endStruct();
      return { throttleTimeMs, brokers, clusterId, controllerId, topics };
    });
  },
};
