/**
 * DescribeConfigs (API key 32), v1 and v2 (same wire format; v0 was removed in Kafka 4.0).
 * firebreak sends its own rather than kafkajs's because kafkajs refuses the empty resource name
 * that addresses the cluster-wide broker default, and routes broker resources to the
 * "controller" instead of the broker they describe.
 *
 * Request: Resources [ResourceType INT8, ResourceName STRING, ConfigurationKeys nullable [STRING]],
 *          IncludeSynonyms BOOL.
 * Response: ThrottleTimeMs INT32, Results [ErrorCode INT16, ErrorMessage NULLABLE_STRING,
 *   ResourceType INT8, ResourceName STRING, Configs [Name STRING, Value NULLABLE_STRING,
 *   ReadOnly BOOL, ConfigSource INT8, IsSensitive BOOL,
 *   Synonyms [Name STRING, Value NULLABLE_STRING, Source INT8]]].
 */
import { decodeBody, encodeBody, type KafkaApi } from './api.ts';

/** DescribeConfigsResponse ConfigSource codes. */
export const CONFIG_SOURCES: Readonly<Record<number, string>> = {
  0: 'UNKNOWN',
  1: 'DYNAMIC_TOPIC_CONFIG',
  2: 'DYNAMIC_BROKER_CONFIG',
  3: 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  4: 'STATIC_BROKER_CONFIG',
  5: 'DEFAULT_CONFIG',
  6: 'DYNAMIC_BROKER_LOGGER_CONFIG',
  7: 'CLIENT_METRICS_CONFIG',
  8: 'GROUP_CONFIG',
};

export interface DescribeConfigsRequest {
  resources: Array<{ resourceType: number; resourceName: string; configurationKeys: string[] | null }>;
  includeSynonyms: boolean;
}

export interface DescribeConfigsConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: Array<{ name: string; value: string | null; source: number }>;
}

export interface DescribeConfigsResponse {
  throttleTimeMs: number;
  results: Array<{
    errorCode: number;
    errorMessage: string | null;
    resourceType: number;
    resourceName: string;
    configs: DescribeConfigsConfig[];
  }>;
}

export const describeConfigsApi: KafkaApi<DescribeConfigsRequest, DescribeConfigsResponse> = {
  apiKey: 32,
  apiName: 'DescribeConfigs',
  versions: [2, 1],
  isFlexible: () => false,

  encodeRequest(request, version) {
    return encodeBody(this.isFlexible(version), (w) => {
      w.array(request.resources, (w, r) => {
        w.int8(r.resourceType).string(r.resourceName);
        w.array(r.configurationKeys, (w, key) => w.string(key));
        w.endStruct();
      });
      w.bool(request.includeSynonyms).endStruct();
    });
  },

  decodeResponse(body, version) {
    return decodeBody(body, this.isFlexible(version), (r) => {
      const throttleTimeMs = r.int32();
      const results = r.array((r) => {
        const errorCode = r.int16();
        const errorMessage = r.nullableString();
        const resourceType = r.int8();
        const resourceName = r.string();
        const configs = r.array((r): DescribeConfigsConfig => {
          const name = r.string();
          const value = r.nullableString();
          const readOnly = r.bool();
          const configSource = r.int8();
          const isSensitive = r.bool();
          const synonyms = r.array((r) => {
            const s = { name: r.string(), value: r.nullableString(), source: r.int8() };
            r.endStruct();
            return s;
          });
          r.endStruct();
          return { name, value, readOnly, configSource, isSensitive, synonyms };
        });
        r.endStruct();
        return { errorCode, errorMessage, resourceType, resourceName, configs };
      });
      r.endStruct();
      return { throttleTimeMs, results };
    });
  },
};
