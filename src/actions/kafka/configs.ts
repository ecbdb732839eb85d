/**
 * Topic and broker configs: DescribeConfigs and IncrementalAlterConfigs (SET and DELETE only;
 * legacy AlterConfigs is never used because it replaces every dynamic config of the resource).
 *
 * Routing: a broker resource with an id goes to that broker (its own view of its dynamic
 * configs, as Kafka's admin client does); topics and the cluster-wide broker default ('') go to
 * any broker.
 */
import { FirebreakError } from '../../errors.ts';
import { throwIfError } from './errors.ts';
import { CONFIG_SOURCES, describeConfigsApi } from './protocol/describe-configs.ts';
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

function route<Req, Res>(router: Router, resource: ConfigResource, api: KafkaApi<Req, Res>, request: Req): Promise<Sent<Res>> {
  if (resource.type === 'broker' && resource.name !== '') {
    const id = Number(resource.name);
    if (!Number.isInteger(id) || id < 0) {
      throw new FirebreakError('KAFKA_INVALID_REQUEST', `broker resource name must be a broker id or '', got '${resource.name}'`, {
        statusCode: 400,
        details: { resource },
      });
    }
    return router.to(id, api, request);
  }
  return router.any(api, request);
}

export async function describeConfigs(router: Router, resource: ConfigResource, names?: string[]): Promise<ConfigEntry[]> {
  const request = {
    resources: [{ resourceType: wireType(resource), resourceName: resource.name, configurationKeys: names ?? null }],
    includeSynonyms: false,
  };
  const { response } = await route(router, resource, describeConfigsApi, request);
  const result = response.results[0];
  if (result === undefined) {
    throw new FirebreakError('KAFKA_PROTOCOL', 'DescribeConfigs: empty response', { statusCode: 502 });
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
