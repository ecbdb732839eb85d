/**
 * Cluster, topic and log-dir views: Metadata (sent by firebreak so that partitions without a
 * leader are reported instead of failing the whole call, see protocol/metadata.ts) and
 * DescribeLogDirs (sent to each broker, since a broker describes only its own log dirs).
 */
import { KAFKA_ERROR_CODES } from './protocol/error-codes.ts';
import { throwIfError } from './errors.ts';
import { describeLogDirsApi } from './protocol/describe-log-dirs.ts';
import { metadataApi } from './protocol/metadata.ts';
import type { Router } from './routing.ts';
import type { ClusterInfo, LogDirInfo, TopicInfo } from './types.ts';

export async function describeCluster(router: Router): Promise<ClusterInfo> {
  const { response } = await router.any(metadataApi, { topics: [], allowAutoTopicCreation: false });
  return {
    clusterId: response.clusterId ?? '',
    controllerId: response.controllerId < 0 ? null : response.controllerId,
    brokers: response.brokers
      .map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }))
      .sort((a, b) => a.nodeId - b.nodeId),
  };
}

/**
 * Topics with their partitions. A topic-level error (e.g. UNKNOWN_TOPIC_OR_PARTITION) throws;
 * partition-level errors do not: a partition without a leader is reported with `leader: -1`.
 */
export async function describeTopics(router: Router, topics?: string[]): Promise<TopicInfo[]> {
  const { response } = await router.any(metadataApi, { topics: topics ?? null, allowAutoTopicCreation: false });
  const infos: TopicInfo[] = [];
  for (const t of response.topics) {
    throwIfError(t.errorCode, null, { api: 'Metadata', topic: t.name });
    infos.push({
      name: t.name,
      internal: t.isInternal,
      partitions: t.partitions
        .map((p) => ({
          partition: p.partitionIndex,
          leader: p.leaderId,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          offlineReplicas: p.offlineReplicas,
        }))
        .sort((a, b) => a.partition - b.partition),
    });
  }
  return infos.sort((a, b) => a.name.localeCompare(b.name));
}

/** Log dirs of the given brokers (default: every broker in the metadata), all topics. */
export async function describeLogDirs(router: Router, brokerIds?: number[]): Promise<LogDirInfo[]> {
  const ids = brokerIds ?? (await router.nodeIds());
  const perBroker = await Promise.all(
    ids.map(async (brokerId) => {
      const { response } = await router.to(brokerId, describeLogDirsApi, { topics: null });
      throwIfError(response.errorCode, null, { api: 'DescribeLogDirs', brokerId });
      return response.results.map(
        (dir): LogDirInfo => ({
          brokerId,
          path: dir.logDir,
          // A failed log dir (e.g. KAFKA_STORAGE_ERROR) is data for the caller, not a failure.
          error: dir.errorCode === 0 ? null : (KAFKA_ERROR_CODES.get(dir.errorCode)?.name ?? `ERROR_${dir.errorCode}`),
          partitions: dir.topics.flatMap((t) =>
            t.partitions.map((p) => ({
              topic: t.name,
              partition: p.partitionIndex,
              // Partition sizes stay far below 2^53 bytes (8 PiB): a Number is exact.
              sizeBytes: Number(p.partitionSize),
              offsetLag: Number(p.offsetLag),
              isFuture: p.isFutureKey,
            })),
          ),
        }),
      );
    }),
  );
  return perBroker.flat();
}
