/**
 * The local Kafka tooling's error codes (docs/errors.md, "Local Kafka cluster"): raised by
 * `npm run kafka` and the test support, never by the service, so none reaches the HTTP API.
 */
import type { ErrorCatalogue } from '../../src/errors.ts';

export const KAFKA_LOCAL_ERRORS = {
  KAFKA_LOCAL_VERSION_INVALID: { status: 500 },
  KAFKA_LOCAL_VERSION_NOT_FOUND: { status: 500 },
  KAFKA_LOCAL_RESOLVE_FAILED: { status: 500, retriable: true },
  KAFKA_LOCAL_JAVA_MISSING: { status: 500 },
  KAFKA_LOCAL_MAVEN_MISSING: { status: 500 },
  KAFKA_LOCAL_BAD_OPTIONS: { status: 500 },
  KAFKA_LOCAL_ALREADY_RUNNING: { status: 500 },
  KAFKA_LOCAL_START_FAILED: { status: 500 },
  KAFKA_LOCAL_START_TIMEOUT: { status: 500 },
  KAFKA_LOCAL_STOP_FAILED: { status: 500 },
  KAFKA_LOCAL_UNKNOWN_NODE: { status: 500 },
  KAFKA_LOCAL_STATE_INVALID: { status: 500 },
  KAFKA_LOCAL_NOT_MANAGED: { status: 500 },
  KAFKA_LOCAL_UNREACHABLE: { status: 500, retriable: true },
  KAFKA_LOCAL_REQUEST_FAILED: { status: 500 },
  KAFKA_LOCAL_BAD_ADDRESS: { status: 500 },
  KAFKA_LOCAL_TOPIC_TIMEOUT: { status: 500 },
} as const satisfies ErrorCatalogue;
