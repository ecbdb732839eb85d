/**
 * IncrementalAlterConfigs (API key 44). v0 classic, v1 flexible; same fields in both.
 *
 * Unlike legacy AlterConfigs (33), which replaces every dynamic config of a resource with the
 * request's set, this changes only the named keys.
 *
 * Request: Resources [ResourceType INT8, ResourceName STRING,
 *                     Configs [Name STRING, ConfigOperation INT8, Value NULLABLE_STRING]],
 *          ValidateOnly BOOL.
 * Response: ThrottleTimeMs INT32, Responses [ErrorCode INT16, ErrorMessage NULLABLE_STRING,
 *                                            ResourceType INT8, ResourceName STRING].
 */
import { decodeBody, encodeBody, type KafkaApi } from './api.ts';

/** ConfigResource.Type codes on the wire. */
export const RESOURCE_TOPIC = 2;
export const RESOURCE_BROKER = 4;

/** AlterConfigOp.OpType codes on the wire (firebreak sends SET and DELETE only). */
export const OP_SET = 0;
export const OP_DELETE = 1;
export const OP_APPEND = 2;
export const OP_SUBTRACT = 3;

export interface IncrementalAlterConfigsRequest {
  resources: Array<{
    resourceType: number;
    resourceName: string;
    configs: Array<{ name: string; configOperation: number; value: string | null }>;
  }>;
  validateOnly: boolean;
}

export interface IncrementalAlterConfigsResponse {
  throttleTimeMs: number;
  responses: Array<{ errorCode: number; errorMessage: string | null; resourceType: number; resourceName: string }>;
}

export const incrementalAlterConfigsApi: KafkaApi<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse> = {
  apiKey: 44,
  apiName: 'IncrementalAlterConfigs',
  versions: [0, 1],
  isFlexible: (version) => version >= 1,

  encodeRequest(request, version) {
    return encodeBody(this.isFlexible(version), (w) => {
      w.array(request.resources, (w, res) => {
        w.int8(res.resourceType).string(res.resourceName);
        w.array(res.configs, (w, c) => w.string(c.name).int8(c.configOperation).string(c.value).endStruct());
        w.endStruct();
      });
      w.bool(request.validateOnly).endStruct();
    });
  },

  decodeResponse(body, version) {
    return decodeBody(body, this.isFlexible(version), (r) => {
      const throttleTimeMs = r.int32();
      const responses = r.array((r) => {
        const entry = {
          errorCode: r.int16(),
          errorMessage: r.nullableString(),
          resourceType: r.int8(),
          resourceName: r.string(),
        };
        r.endStruct();
        return entry;
      });
      r.endStruct();
      return { throttleTimeMs, responses };
    });
  },
};
