/**
 * Where each firebreak-implemented request goes, on top of kafkajs's cluster:
 * - to any broker (quotas, topic configs, cluster-default broker configs, metadata): in KRaft a
 *   broker forwards what the controller must decide, so no controller lookup is needed; a broker
 *   that cannot be reached is skipped and the next one tried;
 * - to one named broker (its own broker configs, its own log dirs, its applied metadata offset);
 * - to every live broker, for all-brokers reads (consistent-read.ts builds on `nodeIds` and `to`).
 */
import { FirebreakError } from '../../errors.ts';
import { toKafkaError, unreachable, kafkaError } from './errors.ts';
import { sendApi, type KafkajsCluster, type Sent } from './kafkajs-bridge.ts';
import type { KafkaApi } from './protocol/api.ts';

export interface Router {
  /**
   * Broker ids from the metadata, ascending: the cached metadata (refreshed when stale), or
   * freshly fetched with `refresh` (the live brokers now: fenced or departed ones drop out).
   */
  nodeIds(options?: { refresh?: boolean }): Promise<number[]>;
  any<Req, Res>(api: KafkaApi<Req, Res>, request: Req): Promise<Sent<Res>>;
  to<Req, Res>(nodeId: number, api: KafkaApi<Req, Res>, request: Req): Promise<Sent<Res>>;
}

export function createRouter(cluster: KafkajsCluster, requestTimeoutMs: number): Router {
  async function nodeIds(options: { refresh?: boolean } = {}): Promise<number[]> {
    if (options.refresh === true) await cluster.refreshMetadata();
    else await cluster.refreshMetadataIfNecessary();
    return cluster.getNodeIds().map(Number).sort((a, b) => a - b);
  }

  async function to<Req, Res>(nodeId: number, api: KafkaApi<Req, Res>, request: Req): Promise<Sent<Res>> {
    await cluster.refreshMetadataIfNecessary();
    if (!cluster.getNodeIds().includes(String(nodeId))) {
      // Refresh once: the broker may have joined since the cached metadata.
      await cluster.refreshMetadata();
      if (!cluster.getNodeIds().includes(String(nodeId))) {
        throw kafkaError('KAFKA_BROKER_NOT_AVAILABLE', `broker ${nodeId} is not in the cluster metadata`, {
          details: { brokerId: nodeId, api: api.apiName },
        });
      }
    }
    const broker = await cluster.findBroker({ nodeId });
    return sendApi(broker, api, request, requestTimeoutMs);
  }

  async function any<Req, Res>(api: KafkaApi<Req, Res>, request: Req): Promise<Sent<Res>> {
    const ids = await nodeIds();
    // Start at a random broker so load spreads, then walk the ring on connection failures.
    const start = Math.floor(Math.random() * ids.length);
    let lastUnreachable: FirebreakError | undefined;
    for (let i = 0; i < ids.length; i++) {
      const nodeId = ids[(start + i) % ids.length] as number;
      try {
        return await to(nodeId, api, request);
      } catch (e) {
        const err = toKafkaError(e, { api: api.apiName, brokerId: nodeId });
        if (err.code !== 'KAFKA_UNREACHABLE') throw err;
        lastUnreachable = err;
      }
    }
    throw lastUnreachable ?? unreachable(`${api.apiName}: no broker in the cluster metadata`, undefined, { api: api.apiName });
  }

  return { nodeIds, any, to };
}
