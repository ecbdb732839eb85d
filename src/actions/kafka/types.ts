/**
 * The Kafka module's public surface. Everything firebreak does to or reads from a cluster goes
 * through {@link KafkaAdmin}; only `src/actions/kafka/` imports kafkajs. Keep this interface small
 * and free of kafkajs types so the client underneath can be swapped.
 *
 * All methods throw FirebreakError. Codes: KAFKA_UNREACHABLE (retriable), KAFKA_TIMEOUT (retriable),
 * KAFKA_<BROKER_ERROR_NAME> for broker error codes (retriable as the protocol says), KAFKA_PROTOCOL,
 * KAFKA_BROKERS_DISAGREE (retriable; all-brokers reads only).
 */

export interface KafkaConnectionOptions {
  brokers: string[];
  clientId?: string;
  /** Per-connection establishment timeout, ms. */
  connectionTimeoutMs?: number;
  /** Per-request timeout, ms. */
  requestTimeoutMs?: number;
  /** Upper bound for any one admin call including kafkajs's own retries, ms. */
  operationTimeoutMs?: number;
}

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface ClusterInfo {
  clusterId: string;
  controllerId: number | null;
  brokers: BrokerInfo[];
}

export interface PartitionInfo {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
}

export interface TopicInfo {
  name: string;
  internal: boolean;
  partitions: PartitionInfo[];
}

/** Quota entity: a user, a client-id, or both. `null` name means the default entity. */
export interface QuotaEntity {
  user?: string | null;
  'client-id'?: string | null;
}

export type QuotaKey =
  | 'producer_byte_rate'
  | 'consumer_byte_rate'
  | 'request_percentage'
  | 'controller_mutation_rate'
  | 'connection_creation_rate';

export interface QuotaEntry {
  entity: QuotaEntity;
  values: Partial<Record<QuotaKey, number>>;
}

export interface QuotaAlteration {
  entity: QuotaEntity;
  /** `null` removes the key. */
  set: Partial<Record<QuotaKey, number | null>>;
}

export type ConfigResourceType = 'topic' | 'broker';

export interface ConfigResource {
  type: ConfigResourceType;
  /** Topic name, or broker id as a string ('' for cluster-wide broker default). */
  name: string;
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  /** True when set dynamically on this resource (not a default or static config). */
  isDynamic: boolean;
  isDefault: boolean;
  isSensitive: boolean;
  source: string;
}

export type ConfigOp =
  | { name: string; op: 'set'; value: string }
  | { name: string; op: 'delete' };

export interface LogDirPartition {
  topic: string;
  partition: number;
  sizeBytes: number;
  offsetLag: number;
  isFuture: boolean;
}

export interface LogDirInfo {
  brokerId: number;
  path: string;
  error: string | null;
  partitions: LogDirPartition[];
}

export interface GroupPartitionLag {
  topic: string;
  partition: number;
  committedOffset: number | null;
  logEndOffset: number;
  lag: number;
}

/** One committed offset of a consumer group. */
export interface CommittedOffset {
  topic: string;
  partition: number;
  offset: number;
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  members: Array<{ memberId: string; clientId: string; clientHost: string }>;
}

/**
 * How a quota or config read is served (see docs/kafka-module.md, "Consistent reads"):
 * - `any-broker` (the default): one broker, picked at random. In KRaft each broker serves these
 *   reads from its own copy of the metadata log, which catches up a few hundred milliseconds
 *   after a write is acknowledged: the answer may predate a recent write.
 * - `all-brokers`: every live broker of the current metadata is asked in parallel, and the state
 *   is returned only when all that answer agree (asked again every 25 ms until they do); after
 *   this admin's own write, a broker counts only once it has applied that write. Gives up at the
 *   operation bound with the retriable KAFKA_BROKERS_DISAGREE. Brokers that cannot be connected
 *   to are left out (they serve no one). A broker resource with an id is read from that broker
 *   alone, the authority on its own configs.
 */
export type ReadConsistency = 'any-broker' | 'all-brokers';

export interface ReadOptions {
  consistency?: ReadConsistency;
}

/** Log start and end offsets of one partition (ListOffsets earliest / latest). */
export interface PartitionOffsets {
  partition: number;
  /** The log start offset: the first offset still retained. */
  start: number;
  /** The log end offset (high watermark). */
  end: number;
}

/** A group the coordinators know (ListGroups). */
export interface GroupListing {
  groupId: string;
  /** `consumer` for consumer groups; `connect` and others for other group kinds. */
  protocolType: string;
}

/** A partition being moved (ListPartitionReassignments). */
export interface PartitionReassignment {
  topic: string;
  partition: number;
  /** The target replica set while the reassignment runs (adding and removing ones included). */
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

export interface KafkaAdmin {
  describeCluster(): Promise<ClusterInfo>;
  /**
   * The broker ids the client already knows (its cached metadata, fetched only when stale): a
   * head start for asking every broker while {@link describeCluster} fetches the list afresh.
   * Never a substitute for that fresh list.
   */
  knownBrokerIds?(): Promise<number[]>;
  /** Metadata of the named topics, or of every topic when omitted. */
  describeTopics(topics?: string[]): Promise<TopicInfo[]>;
  describeClientQuotas(filter?: { entity?: QuotaEntity; strict?: boolean }, options?: ReadOptions): Promise<QuotaEntry[]>;
  alterClientQuotas(alterations: QuotaAlteration[], options?: { validateOnly?: boolean }): Promise<void>;
  describeConfigs(resource: ConfigResource, names?: string[], options?: ReadOptions): Promise<ConfigEntry[]>;
  /** IncrementalAlterConfigs: changes only the named keys, never the others. */
  incrementalAlterConfigs(resource: ConfigResource, ops: ConfigOp[], options?: { validateOnly?: boolean }): Promise<void>;
  describeLogDirs(brokerIds?: number[]): Promise<LogDirInfo[]>;
  describeGroup(groupId: string): Promise<GroupDescription>;
  consumerGroupLag(groupId: string, topics?: string[]): Promise<GroupPartitionLag[]>;
  /** The group's committed offsets on every topic it committed on, in one OffsetFetch (none for an unknown group). */
  committedOffsets(groupId: string): Promise<CommittedOffset[]>;
  /** Partition reassignments in progress, of every topic or only of `topics`. */
  listPartitionReassignments(topics?: string[]): Promise<PartitionReassignment[]>;
  /** Log start and end offsets of every partition of `topic` (ListOffsets). */
  topicOffsets(topic: string): Promise<PartitionOffsets[]>;
  /**
   * Per partition of `topic`, the first offset whose record timestamp is at or after `timestamp`
   * (epoch ms), or the log end offset when there is none (ListOffsets by timestamp).
   */
  offsetsForTimestamp(topic: string, timestamp: number): Promise<Array<{ partition: number; offset: number }>>;
  /** Every group known to the brokers' group coordinators (ListGroups, each broker). */
  listGroups(): Promise<GroupListing[]>;
  close(): Promise<void>;
}
