/**
 * Partition reassignments in progress (ListPartitionReassignments, API key 46), through
 * kafkajs's admin, which sends it to the controller broker of the metadata (in KRaft the broker
 * forwards it to the active controller). kafkajs's decoder names the fields `name` and
 * `partition` while its typings say `topic` and `partitionIndex`; both are read.
 */
import type { Admin } from 'kafkajs';
import type { PartitionReassignment } from './types.ts';

interface RawPartition {
  partition?: number;
  partitionIndex?: number;
  replicas?: number[];
  addingReplicas?: number[];
  removingReplicas?: number[];
}

interface RawTopic {
  name?: string;
  topic?: string;
  partitions?: RawPartition[];
}

/** Every ongoing reassignment, or only those of `topics`, sorted by topic and partition. */
export async function listPartitionReassignments(admin: Admin, topics?: string[]): Promise<PartitionReassignment[]> {
  const response = (await admin.listPartitionReassignments({})) as unknown as { topics?: RawTopic[] };
  const wanted = topics === undefined ? null : new Set(topics);
  const out: PartitionReassignment[] = [];
  for (const t of response.topics ?? []) {
    const topic = t.name ?? t.topic ?? '';
    if (wanted !== null && !wanted.has(topic)) continue;
    for (const p of t.partitions ?? []) {
      out.push({
        topic,
        partition: p.partition ?? p.partitionIndex ?? -1,
        replicas: [...(p.replicas ?? [])],
        addingReplicas: [...(p.addingReplicas ?? [])],
        removingReplicas: [...(p.removingReplicas ?? [])],
      });
    }
  }
  return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}
