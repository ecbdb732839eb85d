/**
 * Positions in the KRaft metadata log (`__cluster_metadata`), the log through which every quota
 * and config change reaches the brokers:
 * - {@link committedOffset}: the offset of the last committed record, from the active controller
 *   (DescribeQuorum's high watermark - 1). Every write the cluster acknowledged before the call
 *   is at or below it.
 * - {@link appliedOffset}: the offset of the last record one broker has applied to the metadata
 *   image it serves reads from (ApiVersions' FinalizedFeaturesEpoch).
 *
 * A broker whose applied offset is at or past a committed offset serves every change committed
 * up to it. {@link WriteFence} uses that to give an admin read-your-writes: after its own write,
 * an all-brokers read counts a broker's answer only once the broker has applied that write.
 */
import { toKafkaError, throwIfError } from './errors.ts';
import { apiVersionsApi } from './protocol/api-versions.ts';
import { describeQuorumApi, METADATA_TOPIC, type DescribeQuorumResponse } from './protocol/describe-quorum.ts';
import type { Router } from './routing.ts';

const SOFTWARE = { clientSoftwareName: 'firebreak', clientSoftwareVersion: 'unknown' };

/**
 * The offset of the last committed metadata record, or null when the controller does not know
 * it yet (a leader just elected). Throws like any admin call (e.g.
 * KAFKA_CLUSTER_AUTHORIZATION_FAILED without DESCRIBE on the cluster).
 */
export async function committedOffset(router: Router): Promise<number | null> {
  const { response } = await router.any(describeQuorumApi, { topics: [{ topicName: METADATA_TOPIC, partitions: [0] }] });
  return committedOffsetOf(response);
}

/** {@link committedOffset} from a DescribeQuorum response: high watermark - 1; errors throw. */
export function committedOffsetOf(response: DescribeQuorumResponse): number | null {
  throwIfError(response.errorCode, response.errorMessage, { api: 'DescribeQuorum' });
  const partition = response.topics.find((t) => t.topicName === METADATA_TOPIC)?.partitions.find((p) => p.partitionIndex === 0);
  if (partition === undefined) return null;
  throwIfError(partition.errorCode, partition.errorMessage, { api: 'DescribeQuorum' });
  // The high watermark is exclusive (the next offset to commit); 0 or -1: nothing known yet.
  return partition.highWatermark > 0n ? Number(partition.highWatermark - 1n) : null;
}

/**
 * The offset of the last metadata record broker `nodeId` has applied, or null when it does not
 * say (a broker without KRaft, or one that does not offer ApiVersions v3+). Connection failures
 * throw (KAFKA_UNREACHABLE).
 */
export async function appliedOffset(router: Router, nodeId: number): Promise<number | null> {
  try {
    const { response } = await router.to(nodeId, apiVersionsApi, SOFTWARE);
    throwIfError(response.errorCode, null, { api: 'ApiVersions', brokerId: nodeId });
    return response.finalizedFeaturesEpoch >= 0n ? Number(response.finalizedFeaturesEpoch) : null;
  } catch (e) {
    const err = toKafkaError(e, { api: 'ApiVersions', brokerId: nodeId });
    if (err.code === 'KAFKA_UNSUPPORTED_VERSION') return null;
    throw err;
  }
}

/**
 * The metadata-log offset an admin's own acknowledged writes reach, which its all-brokers reads
 * must reflect. One per admin (never shared between admins or processes).
 */
export interface WriteFence {
  /** The offset every broker must have applied before its answer counts; null: no check needed. */
  readonly required: number | null;
  /** After a write: `committed` is {@link committedOffset} read once the write was acknowledged. */
  raise(committed: number): void;
  /** Every live broker was seen at or past `offset`: no check needed until the next write. */
  satisfied(offset: number): void;
}

export function createWriteFence(): WriteFence {
  let required: number | null = null;
  return {
    get required() {
      return required;
    },
    raise(committed) {
      required = required === null ? committed : Math.max(required, committed);
    },
    satisfied(offset) {
      // A write acknowledged meanwhile raised the fence past `offset`: keep it.
      if (required !== null && required <= offset) required = null;
    },
  };
}
