/**
 * The Kafka module's factory: {@link createKafkaAdmin} builds a {@link KafkaAdmin} over kafkajs
 * 2.2.4 plus firebreak's own implementations of the admin APIs kafkajs lacks (protocol/).
 *
 * Time bounds. Every call is bounded by `operationTimeoutMs` (default 10 s) end to end,
 * connection included: kafkajs's retry policy is sized to fit inside it, and a deadline timer
 * cuts whatever is left. A call that hits the deadline fails with a retriable
 * `KAFKA_UNREACHABLE` when no broker connection could be established, `KAFKA_TIMEOUT` otherwise.
 *
 * All-brokers reads (`{ consistency: 'all-brokers' }`, consistent-read.ts) stop starting new
 * rounds shortly before that bound and then fail with the retriable `KAFKA_BROKERS_DISAGREE`.
 * After each of its own writes the admin notes the metadata log's committed offset (its write
 * fence), so that its all-brokers reads reflect its own writes.
 *
 * Connections are opened lazily by the first call and kept; kafkajs reconnects on its own.
 * `close()` disconnects; the admin must not be used afterwards.
 */
import { Kafka, logLevel } from 'kafkajs';
import type { Logger } from '../../core/logger.ts';
import { FirebreakError } from '../../errors.ts';
import { describeConfigs, incrementalAlterConfigs } from './configs.ts';
import type { ConsistentScope } from './consistent-read.ts';
import { timeout, toKafkaError, unreachable } from './errors.ts';
import { committedOffsets, consumerGroupLag, describeGroup, listGroups, offsetsForTimestamp, topicOffsets } from './groups.ts';
import { createAdminWithCluster } from './kafkajs-bridge.ts';
import { kafkajsLogCreator } from './logging.ts';
import { listPartitionReassignments } from './reassignments.ts';
import { committedOffset, createWriteFence } from './metadata-log.ts';
import { alterClientQuotas, describeClientQuotas } from './quotas.ts';
import { createRouter } from './routing.ts';
import { describeCluster, describeLogDirs, describeTopics } from './topology.ts';
import type { KafkaAdmin, KafkaConnectionOptions, ReadOptions } from './types.ts';

export const DEFAULT_OPERATION_TIMEOUT_MS = 10_000;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 1_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

/** Resolved timeouts: each never above the operation bound. */
export interface KafkaTimeouts {
  operationTimeoutMs: number;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
}

export function resolveTimeouts(options: KafkaConnectionOptions): KafkaTimeouts {
  const operationTimeoutMs = positive(options.operationTimeoutMs, DEFAULT_OPERATION_TIMEOUT_MS, 'operationTimeoutMs');
  return {
    operationTimeoutMs,
    connectionTimeoutMs: Math.min(positive(options.connectionTimeoutMs, DEFAULT_CONNECTION_TIMEOUT_MS, 'connectionTimeoutMs'), operationTimeoutMs),
    requestTimeoutMs: Math.min(positive(options.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS, 'requestTimeoutMs'), operationTimeoutMs),
  };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new FirebreakError('KAFKA_INVALID_OPTIONS', `${name} must be a positive number of milliseconds, got ${value}`, { statusCode: 500 });
  }
  return value;
}

/**
 * kafkajs's retry policy, sized so its whole back-off (about 100+200+400+800 ms plus jitter,
 * capped per step at a quarter of the bound) stays well inside `operationTimeoutMs`. kafkajs nests
 * retriers (admin over cluster over broker pool), so the deadline timer remains the real bound.
 */
export function retryPolicy(t: KafkaTimeouts): { retries: number; initialRetryTime: number; maxRetryTime: number; factor: number; multiplier: number } {
  return {
    retries: 4,
    initialRetryTime: Math.min(100, Math.floor(t.operationTimeoutMs / 20)),
    maxRetryTime: Math.max(50, Math.floor(t.operationTimeoutMs / 4)),
    factor: 0.2,
    multiplier: 2,
  };
}

/** Creates the admin. Nothing connects until the first call. */
export function createKafkaAdmin(options: KafkaConnectionOptions, deps: { logger: Logger }): KafkaAdmin {
  if (options.brokers.length === 0) {
    throw new FirebreakError('KAFKA_INVALID_OPTIONS', 'at least one bootstrap broker is required', { statusCode: 500 });
  }
  const t = resolveTimeouts(options);
  const logger = deps.logger.child({ module: 'kafka' });
  const retry = retryPolicy(t);
  const kafka = new Kafka({
    brokers: options.brokers,
    clientId: options.clientId ?? 'firebreak',
    connectionTimeout: t.connectionTimeoutMs,
    requestTimeout: t.requestTimeoutMs,
    enforceRequestTimeout: true,
    retry,
    logLevel: logLevel.INFO,
    logCreator: kafkajsLogCreator(logger),
  });
  const { admin, cluster } = createAdminWithCluster(kafka, retry);
  const router = createRouter(cluster, t.requestTimeoutMs);
  const fence = createWriteFence();
  let connecting: Promise<void> | undefined;
  let closed = false;
  let fenceUnavailableLogged = false;

  function connect(): Promise<void> {
    if (connecting === undefined) {
      connecting = admin.connect().catch((e: unknown) => {
        connecting = undefined; // the next call tries again
        throw e;
      });
    }
    return connecting;
  }

  /** Runs one admin call under the operation deadline, mapping every failure. */
  async function run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    if (closed) throw new FirebreakError('KAFKA_CLOSED', `${operation}: the Kafka admin is closed`, { statusCode: 500 });
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const context = { operation, brokers: options.brokers, timeoutMs: t.operationTimeoutMs };
        reject(
          cluster.isConnected()
            ? timeout(`${operation}: no answer within ${t.operationTimeoutMs} ms`, undefined, context)
            : unreachable(`${operation}: no broker of ${options.brokers.join(',')} reachable within ${t.operationTimeoutMs} ms`, undefined, context),
        );
      }, t.operationTimeoutMs);
    });
    try {
      return await Promise.race([connect().then(fn), deadline]);
    } catch (e) {
      const err = toKafkaError(e, { operation });
      logger.debug({ operation, code: err.code, retriable: err.retriable, elapsedMs: Date.now() - started }, 'kafka call failed');
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The scope of an all-brokers read starting now, or undefined for an any-broker read. */
  function consistency(options: ReadOptions | undefined): ConsistentScope | undefined {
    const mode = options?.consistency ?? 'any-broker';
    if (mode === 'any-broker') return undefined;
    if (mode !== 'all-brokers') {
      throw new FirebreakError('KAFKA_INVALID_OPTIONS', `consistency must be 'any-broker' or 'all-brokers', got '${String(mode)}'`, { statusCode: 500 });
    }
    // Leave the last moments of the operation bound for the final round to come back.
    return { fence, deadline: Date.now() + t.operationTimeoutMs - Math.min(250, t.operationTimeoutMs / 10) };
  }

  /**
   * Runs a write (`changes`: not validate-only, not empty), then raises the write fence to the metadata log's committed offset, which
   * covers the write: also after a failure, since a timed-out or partly rejected write may have
   * been applied. Without DescribeQuorum (no DESCRIBE on the cluster, or a broker without it), the
   * admin's all-brokers reads fall back to agreement alone; said once in the log.
   */
  async function write(changes: boolean, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } finally {
      if (changes) {
        try {
          const committed = await committedOffset(router);
          if (committed !== null) fence.raise(committed);
        } catch (e) {
          if (!fenceUnavailableLogged) {
            fenceUnavailableLogged = true;
            const err = toKafkaError(e, { api: 'DescribeQuorum' });
            logger.warn({ code: err.code, error: err.message }, 'cannot read the metadata log position; all-brokers reads after this client\'s writes rely on broker agreement alone');
          }
        }
      }
    }
  }

  return {
    describeCluster: () => run('describeCluster', () => describeCluster(router)),
    knownBrokerIds: () => run('knownBrokerIds', () => router.nodeIds()),
    describeTopics: (topics) => run('describeTopics', () => describeTopics(router, topics)),
    describeClientQuotas: async (filter, opts) => {
      const scope = consistency(opts);
      return run('describeClientQuotas', () => describeClientQuotas(router, filter, scope));
    },
    alterClientQuotas: (alterations, opts) =>
      run('alterClientQuotas', () => write(opts?.validateOnly !== true && alterations.length > 0, () => alterClientQuotas(router, alterations, opts))),
    describeConfigs: async (resource, names, opts) => {
      const scope = consistency(opts);
      return run('describeConfigs', () => describeConfigs(router, resource, names, scope));
    },
    incrementalAlterConfigs: (resource, ops, opts) =>
      run('incrementalAlterConfigs', () => write(opts?.validateOnly !== true && ops.length > 0, () => incrementalAlterConfigs(router, resource, ops, opts))),
    describeLogDirs: (brokerIds) => run('describeLogDirs', () => describeLogDirs(router, brokerIds)),
    describeGroup: (groupId) => run('describeGroup', () => describeGroup(admin, groupId)),
    consumerGroupLag: (groupId, topics) => run('consumerGroupLag', () => consumerGroupLag(admin, groupId, topics)),
    committedOffsets: (groupId) => run('committedOffsets', () => committedOffsets(admin, groupId)),
    listPartitionReassignments: (topics) => run('listPartitionReassignments', () => listPartitionReassignments(admin, topics)),
    topicOffsets: (topic) => run('topicOffsets', () => topicOffsets(admin, topic)),
    offsetsForTimestamp: (topic, timestamp) => run('offsetsForTimestamp', () => offsetsForTimestamp(admin, topic, timestamp)),
    listGroups: () => run('listGroups', () => listGroups(admin)),
    async close() {
      if (closed) return;
      closed = true;
      // Let a connect in flight settle first, so its sockets are not opened after disconnect.
      await connecting?.catch(() => undefined);
      await admin.disconnect();
    },
  };
}
