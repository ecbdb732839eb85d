/**
 * Topic and broker configs: DescribeConfigs and IncrementalAlterConfigs (SET and DELETE only;
 * legacy AlterConfigs is never used because it replaces every dynamic config of the resource).
 *
 * Routing: a broker resource with an id goes to that broker (its own view of its dynamic
 * configs, as Kafka's admin client does); topics and the cluster-wide broker default ('') go to
 * any broker, or with all-brokers consistency to every live broker (consistent-read.ts).
 */
import { throwIfError, kafkaError } from './errors.ts';
import { readConsistent, type ConsistentScope } from './consistent-read.ts';
import { CONFIG_SOURCES, describeConfigsApi, type DescribeConfigsResponse } from './protocol/describe-configs.ts';
import { incrementalAlterConfigsApi, OP_DELETE, OP_SET, RESOURCE_BROKER, RESOURCE_TOPIC } from './protocol/incremental-alter-configs.ts';
import type { KafkaApi } from './protocol/api.ts';
import type { Router } from './routing.ts';
import type { Sent } from './kafkajs-bridge.ts';
import type { ConfigEntry, ConfigOp, ConfigResource } from './types.ts';

/** Config sources that mean "set dynamically on this very resource", per resource kind. */
function dynamicSources(resource: ConfigResource): number[] {
  if (resource.type === 'topic') return [1];
  return resource.name === '' ? [3] : [2, 6];
}

function wireType(resource: ConfigResource): number {
  return resource.type === 'topic' ? RESOURCE_TOPIC : RESOURCE_BROKER;
}

/** The broker a resource must be sent to (a broker's own configs), or undefined for any broker. */
function ownBroker(resource: ConfigResource): number | undefined {
  if (resource.type !== 'broker' || resource.name === '') return undefined;
  const id = Number(resource.name);
  if (!Number.isInteger(id) || id < 0) {
    throw kafkaError('KAFKA_INVALID_REQUEST', `broker resource name must be a broker id or '', got '${resource.name}'`, {
      details: { resource },
    });
  }
  return id;
}

function route<Req, Res>(router: Router, resource: ConfigResource, api: KafkaApi<Req, Res>, request: Req): Promise<Sent<Res>> {
  const id = ownBroker(resource);
  return id === undefined ? router.any(api, request) : router.to(id, api, request);
}

function entriesOf(response: DescribeConfigsResponse, resource: ConfigResource): ConfigEntry[] {
  const result = response.results[0];
  if (result === undefined) {
    throw kafkaError('KAFKA_PROTOCOL', 'DescribeConfigs: empty response');
  }
  throwIfError(result.errorCode, result.errorMessage, { api: 'DescribeConfigs', resource });
  const dynamic = dynamicSources(resource);
  return result.configs.map((c) => ({
    name: c.name,
    value: c.value,
    isDynamic: dynamic.includes(c.configSource),
    isDefault: c.configSource === 5,
    isSensitive: c.isSensitive,
    source: CONFIG_SOURCES[c.configSource] ?? 'UNKNOWN',
  }));
}

/** Sources whose values come from the metadata log for the whole cluster, the same on every broker. */
const CLUSTER_WIDE_SOURCES: ReadonlySet<string> = new Set(['DYNAMIC_TOPIC_CONFIG', 'DYNAMIC_DEFAULT_BROKER_CONFIG']);

/**
 * What brokers must agree on for configs: the entries set cluster-wide through the metadata log
 * (a topic's own configs, cluster-wide broker defaults). Static and built-in defaults, and one
 * broker's own dynamic configs, may legitimately differ from broker to broker and are left out;
 * the answer returned carries those of the lowest broker id.
 */
export function configAgreementKey(entries: readonly ConfigEntry[]): string {
  const shared = entries
    .filter((e) => CLUSTER_WIDE_SOURCES.has(e.source))
    .map((e) => [e.name, e.value, e.source, e.isSensitive] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(shared);
}

/**
 * Any broker's answer (a broker resource with an id: that broker's), or with `consistent` the
 * answer every live broker agrees on (a broker resource with an id: that broker's, once it has
 * applied this admin's last write).
 */
export async function describeConfigs(router: Router, resource: ConfigResource, names?: string[], consistent?: ConsistentScope): Promise<ConfigEntry[]> {
  const request = {
    resources: [{ resourceType: wireType(resource), resourceName: resource.name, configurationKeys: names ?? null }],
    includeSynonyms: false,
  };
  if (consistent === undefined) return entriesOf((await route(router, resource, describeConfigsApi, request)).response, resource);
  const brokerId = ownBroker(resource);
  return readConsistent<ConfigEntry[]>(router, consistent, {
    what: `DescribeConfigs ${resource.type}:${resource.name === '' ? '<default>' : resource.name}`,
    ...(brokerId === undefined ? {} : { brokerId }),
    // A broker answers for itself and for the cluster-wide default from its live configuration.
    liveConfig: resource.type === 'broker',
    read: async (nodeId) => entriesOf((await router.to(nodeId, describeConfigsApi, request)).response, resource),
    agreementKey: configAgreementKey,
  });
}

export async function incrementalAlterConfigs(
  router: Router,
  resource: ConfigResource,
  ops: ConfigOp[],
  options: { validateOnly?: boolean } = {},
): Promise<void> {
  if (ops.length === 0) return;
  const request = {
    resources: [
      {
        resourceType: wireType(resource),
        resourceName: resource.name,
        configs: ops.map((op) =>
          op.op === 'set'
            ? { name: op.name, configOperation: OP_SET, value: op.value }
            : { name: op.name, configOperation: OP_DELETE, value: null },
        ),
      },
    ],
    validateOnly: options.validateOnly ?? false,
  };
  const { response } = await route(router, resource, incrementalAlterConfigsApi, request);
  for (const r of response.responses) {
    throwIfError(r.errorCode, r.errorMessage, { api: 'IncrementalAlterConfigs', resource });
  }
}
