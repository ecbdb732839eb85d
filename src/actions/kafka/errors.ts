/**
 * Turns everything that can go wrong talking to Kafka into a {@link FirebreakError}:
 *
 * - a protocol error code in a response (top-level or per entry) → `KAFKA_<ERROR_NAME>`, e.g.
 *   `KAFKA_UNKNOWN_TOPIC_OR_PARTITION`, `KAFKA_INVALID_CONFIG`, `KAFKA_POLICY_VIOLATION`, retriable
 *   exactly when the protocol defines the error as retriable (protocol/error-codes.ts);
 * - no broker reachable (refused, reset, DNS, connect timeout, broker gone from metadata) →
 *   `KAFKA_UNREACHABLE`, retriable;
 * - a request sent but not answered in time, or an operation over its deadline →
 *   `KAFKA_TIMEOUT`, retriable;
 * - an API or version the broker does not accept → `KAFKA_UNSUPPORTED_VERSION`;
 * - bytes that do not follow the schema → `KAFKA_PROTOCOL`;
 * - any other kafkajs error → `KAFKA_CLIENT`, retriable as kafkajs says.
 *
 * kafkajs wraps errors as they cross its retry loops (KafkaJSNumberOfRetriesExceeded,
 * KafkaJSNonRetriableError with `cause`), so classification walks the cause chain and trusts the
 * innermost error it recognises. Errors are matched by kafkajs's `name`, which kafkajs sets
 * explicitly on every class of the pinned version.
 */
import { errorFactory, FirebreakError, type ErrorCatalogue } from '../../errors.ts';
import { KAFKA_ERROR_CODES } from './protocol/error-codes.ts';

/**
 * The Kafka module's own codes. A broker's error code becomes `KAFKA_<NAME>` as named in
 * Kafka's protocol ({@link errorFromCode}, the table in protocol/error-codes.ts), with the
 * status {@link statusFor} gives it.
 */
export const KAFKA_ERRORS = {
  KAFKA_UNREACHABLE: { status: 503, retriable: true },
  KAFKA_TIMEOUT: { status: 504, retriable: true },
  KAFKA_UNSUPPORTED_VERSION: { status: 502 },
  KAFKA_PROTOCOL: { status: 502 },
  /** 503 when kafkajs says it is retriable. */
  KAFKA_CLIENT: { status: 502 },
  KAFKA_INVALID_OPTIONS: { status: 500 },
  KAFKA_CLOSED: { status: 500 },
  KAFKA_BROKERS_DISAGREE: { status: 503, retriable: true },
  KAFKA_BROKER_NOT_AVAILABLE: { status: 404 },
  KAFKA_INVALID_REQUEST: { status: 400 },
  KAFKA_COORDINATOR_NOT_AVAILABLE: { status: 503, retriable: true },
} as const satisfies ErrorCatalogue;

export const kafkaError = errorFactory(KAFKA_ERRORS);

/** Where the error happened, for the message and `details` (API, resource, broker...). */
export type KafkaErrorContext = Record<string, unknown>;

/** HTTP status for a broker error reaching the API boundary. */
function statusFor(name: string, retriable: boolean): number {
  if (name === 'UNKNOWN_TOPIC_OR_PARTITION' || name === 'GROUP_ID_NOT_FOUND' || name === 'RESOURCE_NOT_FOUND') return 404;
  if (name.endsWith('_AUTHORIZATION_FAILED')) return 403;
  if (name.startsWith('INVALID_') || name === 'POLICY_VIOLATION' || name === 'UNSUPPORTED_VERSION') return 400;
  return retriable ? 503 : 502;
}

/**
 * The FirebreakError for a non-zero protocol error code. `serverMessage` is the broker's own
 * error message when the response carries one (it is more precise than the default text).
 */
export function errorFromCode(errorCode: number, serverMessage: string | null = null, context: KafkaErrorContext = {}): FirebreakError {
  const info = KAFKA_ERROR_CODES.get(errorCode);
  const name = info?.name ?? 'UNKNOWN_ERROR_CODE';
  const retriable = info?.retriable ?? false;
  // Brokers often send "" rather than null when they have nothing to add.
  const text = serverMessage || (info?.message ?? `unknown Kafka error code ${errorCode}`);
  const where = typeof context['api'] === 'string' ? `${context['api']}: ` : '';
  // KAFKA_STORAGE_ERROR keeps its name rather than becoming KAFKA_KAFKA_STORAGE_ERROR.
  const code = name.startsWith('KAFKA_') ? name : `KAFKA_${name}`;
  return new FirebreakError(code, `${where}${text}`, {
    retriable,
    statusCode: statusFor(name, retriable),
    details: { ...context, kafkaErrorCode: errorCode, kafkaError: name },
  });
}

/** Throws {@link errorFromCode} when `errorCode` is not 0 (NONE). */
export function throwIfError(errorCode: number, serverMessage: string | null, context: KafkaErrorContext = {}): void {
  if (errorCode !== 0) throw errorFromCode(errorCode, serverMessage, context);
}

const UNREACHABLE_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
]);

/** Node socket errors that mean "nobody answered at that address". */
const UNREACHABLE_SYSCALL_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE']);

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  type?: unknown;
  code?: unknown;
  retriable?: unknown;
  cause?: unknown;
  broker?: unknown;
}

function asErrorLike(value: unknown): ErrorLike | null {
  return typeof value === 'object' && value !== null ? (value as ErrorLike) : null;
}

/** The chain from the outermost error to the innermost `cause` (bounded, cycle-safe). */
function causeChain(value: unknown): ErrorLike[] {
  const chain: ErrorLike[] = [];
  let current = asErrorLike(value);
  while (current !== null && chain.length < 10 && !chain.includes(current)) {
    chain.push(current);
    current = asErrorLike(current.cause);
  }
  return chain;
}

function classify(e: ErrorLike, original: unknown, context: KafkaErrorContext): FirebreakError | null {
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : String(original);
  if (name === 'KafkaJSProtocolError' || (typeof e.type === 'string' && typeof e.code === 'number' && name.startsWith('KafkaJS'))) {
    const err = errorFromCode(e.code as number, null, context);
    return new FirebreakError(err.code, message, { retriable: err.retriable, statusCode: err.statusCode, cause: original, details: err.details ?? {} });
  }
  if (UNREACHABLE_NAMES.has(name) || (typeof e.code === 'string' && UNREACHABLE_SYSCALL_CODES.has(e.code))) {
    return unreachable(message, original, { ...context, ...(typeof e.broker === 'string' ? { broker: e.broker } : {}) });
  }
  if (name === 'KafkaJSRequestTimeoutError' || name === 'KafkaJSTimeout' || name === 'KafkaJSLockTimeout') {
    return timeout(message, original, context);
  }
  if (name === 'KafkaJSServerDoesNotSupportApiKey') {
    return kafkaError('KAFKA_UNSUPPORTED_VERSION', message, { cause: original, details: context });
  }
  if (name === 'KafkaJSGroupCoordinatorNotFound') {
    return kafkaError('KAFKA_COORDINATOR_NOT_AVAILABLE', message, { cause: original, details: context });
  }
  return null;
}

/** A retriable KAFKA_UNREACHABLE. */
export function unreachable(message: string, cause?: unknown, context: KafkaErrorContext = {}): FirebreakError {
  return kafkaError('KAFKA_UNREACHABLE', message, { cause, details: context });
}

/** A retriable KAFKA_TIMEOUT. */
export function timeout(message: string, cause?: unknown, context: KafkaErrorContext = {}): FirebreakError {
  return kafkaError('KAFKA_TIMEOUT', message, { cause, details: context });
}

/** Whether `error` (a FirebreakError from {@link toKafkaError}) means no broker could be reached. */
export function isUnreachable(error: FirebreakError): boolean {
  return error.code === 'KAFKA_UNREACHABLE';
}

/**
 * Maps anything thrown by kafkajs or by firebreak's own protocol code to a FirebreakError.
 * FirebreakErrors pass through unchanged.
 */
export function toKafkaError(value: unknown, context: KafkaErrorContext = {}): FirebreakError {
  if (value instanceof FirebreakError) return value;
  const chain = causeChain(value);
  // Innermost first: the outer layers are kafkajs's retry wrappers.
  for (const e of [...chain].reverse()) {
    if (e instanceof FirebreakError) return e;
    const mapped = classify(e, value, context);
    if (mapped !== null) return mapped;
  }
  const outer = chain[0];
  const message = typeof outer?.message === 'string' ? outer.message : String(value);
  const retriable = outer?.retriable === true;
  return kafkaError('KAFKA_CLIENT', message, { retriable, statusCode: retriable ? 503 : 502, cause: value, details: context });
}
