/**
 * A minimal Kafka wire-protocol client for tooling: just enough to tell whether a broker serves
 * (Metadata v4) and to create topics for tests (CreateTopics v4), without a Kafka client library.
 * Both requests are non-flexible versions that Kafka 3.x and 4.x brokers accept.
 *
 * Each call opens one TCP connection, sends one request, reads one response and closes: simple,
 * and plenty fast for readiness polling and test setup.
 */
import { connect } from 'node:net';
import { FirebreakError } from '../../src/errors.ts';

const API_METADATA = 3;
const API_CREATE_TOPICS = 19;
const CLIENT_ID = 'firebreak-tooling';

/** One broker as a Metadata response lists it (only registered, unfenced brokers are listed). */
export interface MetadataBroker {
  nodeId: number;
  host: string;
  port: number;
}

export interface MetadataPartition {
  errorCode: number;
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface MetadataTopic {
  errorCode: number;
  name: string;
  partitions: MetadataPartition[];
}

export interface Metadata {
  brokers: MetadataBroker[];
  clusterId: string | null;
  controllerId: number;
  topics: MetadataTopic[];
}

/** What one topic to create looks like; -1 means "the broker's default". */
export interface TopicSpec {
  name: string;
  partitions?: number;
  replicationFactor?: number;
  configs?: Record<string, string>;
}

class Writer {
  #chunks: Buffer[] = [];
  int8(v: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(v);
    return this.#push(b);
  }
  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    return this.#push(b);
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    return this.#push(b);
  }
  string(v: string | null): this {
    if (v === null) return this.int16(-1);
    const bytes = Buffer.from(v, 'utf8');
    return this.int16(bytes.length).#push(bytes);
  }
  array<T>(items: readonly T[] | null, each: (w: Writer, item: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const item of items) each(this, item);
    return this;
  }
  bytes(): Buffer {
    return Buffer.concat(this.#chunks);
  }
  #push(b: Buffer): this {
    this.#chunks.push(b);
    return this;
  }
}

class Reader {
  #buf: Buffer;
  #pos = 0;
  constructor(buf: Buffer) {
    this.#buf = buf;
  }
  int8(): number {
    const v = this.#buf.readInt8(this.#pos);
    this.#pos += 1;
    return v;
  }
  int16(): number {
    const v = this.#buf.readInt16BE(this.#pos);
    this.#pos += 2;
    return v;
  }
  int32(): number {
    const v = this.#buf.readInt32BE(this.#pos);
    this.#pos += 4;
    return v;
  }
  string(): string | null {
    const len = this.int16();
    if (len < 0) return null;
    const v = this.#buf.toString('utf8', this.#pos, this.#pos + len);
    this.#pos += len;
    return v;
  }
  array<T>(each: (r: Reader) => T): T[] {
    const n = this.int32();
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(each(this));
    return out;
  }
}

/**
 * Sends one request and resolves with the response body (after the correlation id).
 * Rejects with a retriable KAFKA_LOCAL_UNREACHABLE on connection errors and timeouts.
 */
export function roundTrip(
  address: { host: string; port: number },
  apiKey: number,
  apiVersion: number,
  body: Buffer,
  timeoutMs = 3000,
): Promise<Buffer> {
  const correlationId = Math.floor(Math.random() * 0x7fffffff);
  const header = new Writer().int16(apiKey).int16(apiVersion).int32(correlationId).string(CLIENT_ID).bytes();
  const frame = new Writer().int32(header.length + body.length).bytes();
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address.host, port: address.port });
    let received = Buffer.alloc(0);
    const fail = (cause: unknown, what: string): void => {
      socket.destroy();
      reject(
        new FirebreakError('KAFKA_LOCAL_UNREACHABLE', `${address.host}:${address.port}: ${what}`, {
          retriable: true,
          cause,
          details: { host: address.host, port: address.port },
        }),
      );
    };
    socket.setTimeout(timeoutMs, () => fail(undefined, `no answer within ${timeoutMs} ms`));
    socket.on('error', (err) => fail(err, err.message));
    socket.on('connect', () => socket.write(Buffer.concat([frame, header, body])));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4) return;
      const size = received.readInt32BE(0);
      if (received.length < 4 + size) return;
      socket.destroy();
      if (received.readInt32BE(4) !== correlationId) {
        fail(undefined, 'response correlation id does not match the request');
        return;
      }
      resolve(received.subarray(8, 4 + size));
    });
    socket.on('end', () => fail(undefined, 'connection closed before a full response'));
  });
}

/** Metadata v4 for all topics (`topics: null`) or the named ones, from one broker. */
export async function fetchMetadata(
  address: { host: string; port: number },
  topics: string[] | null = null,
  timeoutMs?: number,
): Promise<Metadata> {
  const body = new Writer()
    .array(topics, (w, name) => w.string(name))
    .int8(0) // allow_auto_topic_creation: never create topics as a side effect of a check
    .bytes();
  const r = new Reader(await roundTrip(address, API_METADATA, 4, body, timeoutMs));
  r.int32(); // throttle_time_ms
  const brokers = r.array((b) => ({ nodeId: b.int32(), host: b.string() ?? '', port: b.int32(), rack: b.string() }));
  const clusterId = r.string();
  const controllerId = r.int32();
  const parsedTopics = r.array((t) => {
    const errorCode = t.int16();
    const name = t.string() ?? '';
    t.int8(); // is_internal
    const partitions = t.array((p) => ({
      errorCode: p.int16(),
      partition: p.int32(),
      leader: p.int32(),
      replicas: p.array((x) => x.int32()),
      isr: p.array((x) => x.int32()),
    }));
    return { errorCode, name, partitions };
  });
  return {
    brokers: brokers.map(({ nodeId, host, port }) => ({ nodeId, host, port })),
    clusterId,
    controllerId,
    topics: parsedTopics,
  };
}

/** Error codes CreateTopics answers that mean the topic exists after all (36 TOPIC_ALREADY_EXISTS). */
const TOPIC_ALREADY_EXISTS = 36;

/**
 * Creates topics through one broker (KRaft brokers forward the request to the active
 * controller) and resolves once the controller has accepted them. Fails with
 * KAFKA_LOCAL_REQUEST_FAILED carrying the broker's error code for each rejected topic.
 * `ifNotExists` turns TOPIC_ALREADY_EXISTS into success.
 */
export async function createTopics(
  address: { host: string; port: number },
  specs: readonly TopicSpec[],
  options: { timeoutMs?: number; ifNotExists?: boolean } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const body = new Writer()
    .array(specs, (w, s) => {
      w.string(s.name)
        .int32(s.partitions ?? -1)
        .int16(s.replicationFactor ?? -1)
        .array([], () => undefined) // no manual assignments
        .array(Object.entries(s.configs ?? {}), (cw, [k, v]) => cw.string(k).string(v));
    })
    .int32(timeoutMs)
    .int8(0) // validate_only
    .bytes();
  const r = new Reader(await roundTrip(address, API_CREATE_TOPICS, 4, body, timeoutMs + 5000));
  r.int32(); // throttle_time_ms
  const results = r.array((t) => ({ name: t.string() ?? '', errorCode: t.int16(), message: t.string() }));
  const failed = results.filter(
    (t) => t.errorCode !== 0 && !(options.ifNotExists === true && t.errorCode === TOPIC_ALREADY_EXISTS),
  );
  if (failed.length > 0) {
    const first = failed[0]!;
    throw new FirebreakError(
      'KAFKA_LOCAL_REQUEST_FAILED',
      `CreateTopics failed for ${failed.map((t) => t.name).join(', ')}: error ${first.errorCode}` +
        (first.message === null ? '' : ` (${first.message})`),
      { details: { topics: failed } },
    );
  }
}

/** Parses "host:port,host:port" into addresses. */
export function parseBootstrap(bootstrapServers: string): Array<{ host: string; port: number }> {
  return bootstrapServers
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const i = s.lastIndexOf(':');
      const port = Number(s.slice(i + 1));
      if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
        throw new FirebreakError('KAFKA_LOCAL_BAD_ADDRESS', `not a host:port address: "${s}"`, {
          details: { address: s },
        });
      }
      return { host: s.slice(0, i), port };
    });
}
