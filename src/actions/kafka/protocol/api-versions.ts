/**
 * ApiVersions (API key 18), v3 and v4 (same wire format; v4 only lifts a restriction on
 * feature version 0). kafkajs sends its own ApiVersions on connect for version negotiation;
 * firebreak sends this one for a field kafkajs ignores: `FinalizedFeaturesEpoch`, which a KRaft
 * broker fills with the offset of the last metadata-log record it has applied to the image it
 * serves reads from (KRaftMetadataCache.features(): `image.highestOffsetAndEpoch().offset`).
 * That is how a client can tell whether a broker has caught up with a given point of the log.
 *
 * Request (flexible): ClientSoftwareName COMPACT_STRING, ClientSoftwareVersion COMPACT_STRING.
 * Response: ErrorCode INT16, ApiKeys [ApiKey INT16, MinVersion INT16, MaxVersion INT16],
 *   ThrottleTimeMs INT32, tagged fields: 0 SupportedFeatures, 1 FinalizedFeaturesEpoch INT64
 *   (-1 = unknown), 2 FinalizedFeatures, 3 ZkMigrationReady.
 *
 * Unlike every other flexible response, ApiVersions keeps response header v0 (no tagged-field
 * section after the correlation id), so that a client can always parse the answer that tells it
 * which versions exist: the body starts right at ErrorCode.
 */
import { Reader, Writer, malformed } from './codec.ts';
import type { KafkaApi } from './api.ts';

/** The name and version firebreak reports (the broker checks `[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?`). */
export interface ApiVersionsRequest {
  clientSoftwareName: string;
  clientSoftwareVersion: string;
}

export interface ApiVersionsResponse {
  errorCode: number;
  apiKeys: Array<{ apiKey: number; minVersion: number; maxVersion: number }>;
  throttleTimeMs: number;
  /** Tag 1; -1n when the broker does not know it (or did not send the field). */
  finalizedFeaturesEpoch: bigint;
}

const TAG_FINALIZED_FEATURES_EPOCH = 1;

export const apiVersionsApi: KafkaApi<ApiVersionsRequest, ApiVersionsResponse> = {
  apiKey: 18,
  apiName: 'ApiVersions',
  versions: [3, 4],
  isFlexible: () => true,

  encodeRequest(request) {
    const w = new Writer(true);
    w.endStruct(); // request header v2: no tagged fields
    w.string(request.clientSoftwareName).string(request.clientSoftwareVersion).endStruct();
    return w.toBuffer();
  },

  decodeResponse(body) {
    const r = new Reader(body, true); // response header v0: nothing to skip
    const errorCode = r.int16();
    const apiKeys = r.array((r) => {
      const k = { apiKey: r.int16(), minVersion: r.int16(), maxVersion: r.int16() };
      r.endStruct();
      return k;
    });
    const throttleTimeMs = r.int32();
    let finalizedFeaturesEpoch = -1n;
    for (const field of r.endStruct()) {
      if (field.tag !== TAG_FINALIZED_FEATURES_EPOCH) continue;
      if (field.data.length !== 8) throw malformed(`FinalizedFeaturesEpoch of ${field.data.length} bytes`);
      finalizedFeaturesEpoch = field.data.readBigInt64BE(0);
    }
    r.end();
    return { errorCode, apiKeys, throttleTimeMs, finalizedFeaturesEpoch };
  },
};
