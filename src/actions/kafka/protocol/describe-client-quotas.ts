/**
 * DescribeClientQuotas (API key 48). v0 classic, v1 flexible; same fields in both.
 *
 * Request: Components [EntityType STRING, MatchType INT8, Match NULLABLE_STRING], Strict BOOL.
 * Response: ThrottleTimeMs INT32, ErrorCode INT16, ErrorMessage NULLABLE_STRING,
 *   Entries nullable [Entity [EntityType STRING, EntityName NULLABLE_STRING],
 *                     Values [Key STRING, Value FLOAT64]].
 */
import { decodeBody, encodeBody, readEntity, type KafkaApi, type WireEntityComponent } from './api.ts';

/** 0 = exact name, 1 = default entity, 2 = any specified name. */
export type QuotaMatchType = 0 | 1 | 2;

export const MATCH_EXACT: QuotaMatchType = 0;
export const MATCH_DEFAULT: QuotaMatchType = 1;
export const MATCH_ANY: QuotaMatchType = 2;

export interface DescribeClientQuotasRequest {
  components: Array<{ entityType: string; matchType: QuotaMatchType; match: string | null }>;
  strict: boolean;
}

export interface DescribeClientQuotasResponse {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  /** null when the request failed as a whole (errorCode set). */
  entries: Array<{ entity: WireEntityComponent[]; values: Array<{ key: string; value: number }> }> | null;
}

export const describeClientQuotasApi: KafkaApi<DescribeClientQuotasRequest, DescribeClientQuotasResponse> = {
  apiKey: 48,
  apiName: 'DescribeClientQuotas',
  versions: [0, 1],
  isFlexible: (version) => version >= 1,

  encodeRequest(request, version) {
    return encodeBody(this.isFlexible(version), (w) => {
      w.array(request.components, (w, c) => w.string(c.entityType).int8(c.matchType).string(c.match).endStruct());
      w.bool(request.strict).endStruct();
    });
  },

  decodeResponse(body, version) {
    return decodeBody(body, this.isFlexible(version), (r) => {
      const throttleTimeMs = r.int32();
      const errorCode = r.int16();
      const errorMessage = r.nullableString();
      const entries = r.nullableArray((r) => {
        const entity = readEntity(r);
        const values = r.array((r) => {
          const value = { key: r.string(), value: r.float64() };
          r.endStruct();
          return value;
        });
        r.endStruct();
        return { entity, values };
      });
      r.endStruct();
      return { throttleTimeMs, errorCode, errorMessage, entries };
    });
  },
};
