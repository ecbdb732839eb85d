/**
 * API version negotiation. Each broker announces, per API key, the [min, max] versions it
 * accepts (ApiVersions, which kafkajs sends on connect). Kafka 4.0 removed many old versions
 * (KIP-896), e.g. DescribeLogDirs v0, so a fixed version is not enough: firebreak picks, from the
 * versions a module implements in its order of preference, the first one the broker accepts.
 */
import { kafkaError } from '../errors.ts';

export interface VersionRange {
  minVersion: number;
  maxVersion: number;
}

/**
 * The version to use for an API, or a non-retriable KAFKA_UNSUPPORTED_VERSION when the broker
 * does not know the API (`range` undefined) or accepts none of the implemented versions.
 */
export function chooseVersion(
  api: { apiKey: number; apiName: string; versions: readonly number[] },
  range: VersionRange | undefined,
): number {
  if (range !== undefined) {
    const version = api.versions.find((v) => v >= range.minVersion && v <= range.maxVersion);
    if (version !== undefined) return version;
  }
  const announced = range === undefined ? 'does not support it' : `accepts v${range.minVersion}-v${range.maxVersion}`;
  throw kafkaError(
    'KAFKA_UNSUPPORTED_VERSION',
    `${api.apiName} (key ${api.apiKey}): broker ${announced}, firebreak implements v${[...api.versions].sort().join(', v')}`,
    { details: { apiKey: api.apiKey, broker: range ?? null, implemented: [...api.versions] } },
  );
}
