/**
 * What crosses the thread boundary of a forwarded store (client.ts, host.ts). Arguments and
 * results are structured-cloned; two kinds of value need help: errors (a clone keeps only the
 * message, so the code, status, retriable flag and details are carried explicitly) and
 * {@link JsonText} (a clone would lose its class and the store would serialise it as an
 * object), tagged at the top level and one level down, where the Store interface has them.
 */
import { FirebreakError, isFirebreakError } from '../../errors.ts';
import { JsonText } from '../json-text.ts';

/** main -> store thread */
export type Request =
  | { kind: 'call'; id: number; method: string; args: unknown[] }
  | { kind: 'begin'; id: number }
  | { kind: 'tx'; id: number; tx: number; method: string; args: unknown[] }
  | { kind: 'end'; id: number; tx: number; commit: boolean };

/** store thread -> main: the answer to request `id`. */
export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: EncodedError };

export interface EncodedError {
  name: string;
  message: string;
  code?: string;
  statusCode?: number;
  retriable?: boolean;
  details?: Record<string, unknown>;
}

const JSON_TEXT_TAG = '__firebreakJsonText';
/** A result property that is one of the call's own arguments, sent back as its position. */
const ARGUMENT_TAG = '__firebreakArgument';

export function encodeError(err: unknown): EncodedError {
  if (isFirebreakError(err)) {
    return { name: err.name, message: err.message, code: err.code, statusCode: err.statusCode, retriable: err.retriable, ...(err.details === undefined ? {} : { details: err.details }) };
  }
  return err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
}

export function decodeError(encoded: EncodedError): Error {
  if (encoded.code === undefined) {
    const err = new Error(encoded.message);
    err.name = encoded.name;
    return err;
  }
  return new FirebreakError(encoded.code, encoded.message, {
    ...(encoded.statusCode === undefined ? {} : { statusCode: encoded.statusCode }),
    retriable: encoded.retriable ?? false,
    ...(encoded.details === undefined ? {} : { details: encoded.details }),
  });
}

function tag(value: unknown): unknown {
  return value instanceof JsonText ? { [JSON_TEXT_TAG]: value.text } : value;
}

function untag(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, JSON_TEXT_TAG)) {
    return new JsonText((value as Record<string, string>)[JSON_TEXT_TAG] as string);
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * A value about to be posted. Functions in an argument object are left out: they carry no data
 * for a store (and cannot be cloned); a store in the same thread would not read them either.
 */
export function encode(value: unknown): unknown {
  if (!isPlainObject(value)) return tag(value);
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => typeof inner !== 'function').map(([key, inner]) => [key, tag(inner)]));
}

/** A value just received. */
export function decode(value: unknown): unknown {
  const top = untag(value);
  if (!isPlainObject(top) || top !== value) return top;
  return Object.fromEntries(Object.entries(top).map(([key, inner]) => [key, untag(inner)]));
}

/**
 * A result about to be posted back: a property that is one of the call's arguments (an appended
 * body, which can be megabytes) goes back as its position instead of a copy.
 */
export function encodeResult(value: unknown, args: readonly unknown[]): unknown {
  if (!isPlainObject(value)) return encode(value);
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => {
      const index = typeof inner === 'object' && inner !== null ? args.indexOf(inner) : -1;
      return [key, index >= 0 ? { [ARGUMENT_TAG]: index } : tag(inner)];
    }),
  );
}

/** A result just received, for a call made with `args`. */
export function decodeResult(value: unknown, args: readonly unknown[]): unknown {
  const decoded = decode(value);
  if (!isPlainObject(decoded)) return decoded;
  return Object.fromEntries(
    Object.entries(decoded).map(([key, inner]) => [key, isPlainObject(inner) && Object.hasOwn(inner, ARGUMENT_TAG) ? args[inner[ARGUMENT_TAG] as number] : inner]),
  );
}
