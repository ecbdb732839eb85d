/**
 * AlterClientQuotas (API key 49). v0 classic, v1 flexible; same fields in both.
 *
 * Request: Entries [Entity [EntityType STRING, EntityName NULLABLE_STRING],
 *                   Ops [Key STRING, Value FLOAT64, Remove BOOL]], ValidateOnly BOOL.
 * Response: ThrottleTimeMs INT32, Entries [ErrorCode INT16, ErrorMessage NULLABLE_STRING,
 *                                          Entity [EntityType STRING, EntityName NULLABLE_STRING]].
 * Errors are per entry: one entry can fail while the others are applied.
 */
import { decodeBody, encodeBody, readEntity, writeEntity, type KafkaApi, type WireEntityComponent } from './api.ts';

export interface AlterClientQuotasRequest {
  entries: Array<{
    entity: WireEntityComponent[];
    /** `value` is ignored by the broker when `remove` is true (firebreak sends 0). */
    ops: Array<{ key: string; value: number; remove: boolean }>;
  }>;
  validateOnly: boolean;
}

export interface AlterClientQuotasResponse {
  throttleTimeMs: number;
  entries: Array<{ errorCode: number; errorMessage: string | null; entity: WireEntityComponent[] }>;
}

export const alterClientQuotasApi: KafkaApi<AlterClientQuotasRequest, AlterClientQuotasResponse> = {
  apiKey: 49,
  apiName: 'AlterClientQuotas',
  versions: [0, 1],
  isFlexible: (version) => version >= 1,

  encodeRequest(request, version) {
    return encodeBody(this.isFlexible(version), (w) => {
      w.array(request.entries, (w, entry) => {
        writeEntity(w, entry.entity);
        w.array(entry.ops, (w, op) => w.string(op.key).float64(op.value).bool(op.remove).endStruct());
        w.endStruct();
      });
      w.bool(request.validateOnly).endStruct();
    });
  },

  decodeResponse(body, version) {
    return decodeBody(body, this.isFlexible(version), (r) => {
      const throttleTimeMs = r.int32();
      const entries = r.array((r) => {
        const entry = { errorCode: r.int16(), errorMessage: r.nullableString(), entity: readEntity(r) };
        r.endStruct();
        return entry;
      });
      r.endStruct();
      return { throttleTimeMs, entries };
    });
  },
};
