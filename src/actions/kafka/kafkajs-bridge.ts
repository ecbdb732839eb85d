/**
 * The one place that reaches into kafkajs 2.2.4 (pinned) below its public API, to send the
 * requests kafkajs does not implement through the connections kafkajs already manages.
 *
 * Reaching the cluster: kafkajs's `Kafka` instance creates one `Cluster` (brokers, connections,
 * metadata, ApiVersions) per client through a method stored under the private symbol
 * `private:Kafka:createCluster`, and `kafka.admin()` calls it exactly once. We find that symbol
 * by its description, wrap the method for the duration of the synchronous `kafka.admin()` call to
 * capture the cluster it creates, and restore it at once. This is the least fragile route found:
 * - the admin and our own requests share one set of connections and one metadata cache, so
 *   firebreak's requests follow kafkajs's reconnects and broker changes;
 * - it touches no kafkajs file path (no deep `require` of `kafkajs/src/...`), only one symbol
 *   whose absence is detected at construction and fails loudly (KAFKA_CLIENT), never silently;
 * - everything used on the cluster and broker objects (`findBroker`, `getNodeIds`,
 *   `refreshMetadataIfNecessary`, `broker.versions`, `broker.connectionPool.send`) is the same
 *   surface kafkajs's own admin uses, listed in {@link KafkajsCluster} / {@link KafkajsBroker}.
 *
 * Sending: a kafkajs request is `{ apiKey, apiVersion, apiName, encode() }` where `encode()`
 * resolves to an Encoder whose bytes follow kafkajs's v1 request header, paired with a response
 * `{ decode(payload), parse(decoded) }` where `payload` is everything after the correlation id.
 * The connection pool's `send({ request, response, requestTimeout })` frames, correlates, times
 * out and decodes it. See protocol/api.ts for how flexible versions fit those byte boundaries.
 */
import type { Admin, Kafka } from 'kafkajs';
import type { KafkaApi } from './protocol/api.ts';
import { chooseVersion, type VersionRange } from './protocol/versions.ts';
import { kafkaError } from './errors.ts';

/** The part of kafkajs's internal Broker firebreak relies on. */
export interface KafkajsBroker {
  nodeId: number | null;
  versions: Record<number, VersionRange> | null;
  connectionPool: {
    send(protocolRequest: { request: unknown; response: unknown; requestTimeout?: number }): Promise<unknown>;
  };
  disconnect(): Promise<void>;
}

/** The part of kafkajs's internal Cluster firebreak relies on. */
export interface KafkajsCluster {
  isConnected(): boolean;
  refreshMetadata(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  getNodeIds(): string[];
  findBroker(options: { nodeId: string | number }): Promise<KafkajsBroker>;
}

const CREATE_CLUSTER = 'private:Kafka:createCluster';

/** Creates kafkajs's admin and returns it together with the cluster object behind it. */
export function createAdminWithCluster(kafka: Kafka, retry: object): { admin: Admin; cluster: KafkajsCluster } {
  const holder = kafka as unknown as Record<symbol, unknown>;
  const symbol = Object.getOwnPropertySymbols(kafka).find((s) => s.description === CREATE_CLUSTER);
  const original = symbol === undefined ? undefined : holder[symbol];
  if (symbol === undefined || typeof original !== 'function') {
    throw kafkaError('KAFKA_CLIENT', `kafkajs changed: no ${CREATE_CLUSTER} on the Kafka instance (expected kafkajs 2.2.4)`);
  }
  let captured: KafkajsCluster | undefined;
  holder[symbol] = (...args: unknown[]) => {
    captured = (original as (...a: unknown[]) => KafkajsCluster).apply(kafka, args);
    return captured;
  };
  let admin: Admin;
  try {
    admin = kafka.admin({ retry });
  } finally {
    holder[symbol] = original;
  }
  if (captured === undefined) {
    throw kafkaError('KAFKA_CLIENT', 'kafkajs changed: admin() did not create a cluster (expected kafkajs 2.2.4)');
  }
  return { admin, cluster: captured };
}

/** The minimal Encoder shape kafkajs's request framing reads (`writeEncoder`: `buf`, `buffer`). */
function encoderOf(bytes: Buffer): { buf: Buffer; readonly buffer: Buffer } {
  return { buf: bytes, buffer: bytes };
}

/** What {@link sendApi} resolves to: the decoded response and the version that was used. */
export interface Sent<Res> {
  response: Res;
  version: number;
}

/**
 * Sends one firebreak-implemented API request to `broker`, at the best version both sides
 * support. Broker error codes inside the response are left to the caller (they can be per entry).
 */
export async function sendApi<Req, Res>(
  broker: KafkajsBroker,
  api: KafkaApi<Req, Res>,
  request: Req,
  requestTimeoutMs: number,
): Promise<Sent<Res>> {
  const version = chooseVersion(api, broker.versions?.[api.apiKey]);
  const protocolRequest = {
    request: {
      apiKey: api.apiKey,
      apiVersion: version,
      apiName: api.apiName,
      encode: async () => encoderOf(api.encodeRequest(request, version)),
    },
    response: {
      decode: async (payload: Buffer) => {
        const response = api.decodeResponse(payload, version) as Res & { throttleTimeMs?: number };
        // KIP-219: the broker answers first and expects the client to hold back for this long;
        // kafkajs's request queue honours `clientSideThrottleTime`.
        return { response, clientSideThrottleTime: response.throttleTimeMs ?? 0 };
      },
      parse: async (decoded: unknown) => decoded,
    },
    requestTimeout: requestTimeoutMs,
  };
  try {
    const decoded = (await broker.connectionPool.send(protocolRequest)) as { response: Res };
    return { response: decoded.response, version };
  } catch (e) {
    // As kafkajs's own Broker does: a closed connection is dropped so the next call reconnects.
    if ((e as { name?: unknown }).name === 'KafkaJSConnectionClosedError') await broker.disconnect();
    throw e;
  }
}
