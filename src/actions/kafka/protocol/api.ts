/**
 * The shape every hand-written Kafka API in this folder follows, independent of kafkajs:
 * typed request in, body bytes out; body bytes in, typed response out. `client.ts` adapts these
 * to kafkajs's request/response pair and sends them through a connected broker.
 *
 * Byte boundaries: kafkajs writes the classic request header (v1: api key, api version,
 * correlation id, client id) itself, and hands back the response bytes that follow the
 * correlation id. Flexible versions use request header v2 and response header v1, which only add
 * an (empty) tagged-field section after those fields, so for flexible versions `encodeRequest`
 * starts with that section and `decodeResponse` skips it first.
 */
import { Reader, Writer } from './codec.ts';

export interface KafkaApi<Req, Res> {
  readonly apiKey: number;
  readonly apiName: string;
  /** Versions this module implements, in order of preference (see versions.ts). */
  readonly versions: readonly number[];
  /** Whether `version` uses the flexible (compact, tagged-field) encoding. */
  isFlexible(version: number): boolean;
  /** Request body for `version`, starting right after kafkajs's v1 request header. */
  encodeRequest(request: Req, version: number): Buffer;
  /** Response for `version`, from the bytes after the correlation id. */
  decodeResponse(body: Buffer, version: number): Res;
}

/** Writes a request body, with the header's tagged-field section first when flexible. */
export function encodeBody(flexible: boolean, write: (w: Writer) => void): Buffer {
  const w = new Writer(flexible);
  if (flexible) w.endStruct(); // request header v2: empty tagged fields after client id
  write(w);
  return w.toBuffer();
}

/** Reads a response body, skipping response header v1's tagged fields when flexible. */
export function decodeBody<T>(body: Buffer, flexible: boolean, read: (r: Reader) => T): T {
  const r = new Reader(body, flexible);
  if (flexible) r.endStruct();
  const value = read(r);
  r.end();
  return value;
}

/** A quota entity component as the wire carries it: `name` null is the default entity. */
export interface WireEntityComponent {
  entityType: string;
  entityName: string | null;
}

export function writeEntity(w: Writer, entity: readonly WireEntityComponent[]): void {
  w.array(entity, (w, c) => w.string(c.entityType).string(c.entityName).endStruct());
}

export function readEntity(r: Reader): WireEntityComponent[] {
  return r.array((r) => {
    const component = { entityType: r.string(), entityName: r.nullableString() };
    r.endStruct();
    return component;
  });
}
