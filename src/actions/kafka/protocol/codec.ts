/**
 * Kafka wire-format primitives, for both the classic and the flexible ("compact") encodings.
 *
 * Classic versions: strings are INT16 length + UTF-8 (-1 = null), arrays are INT32 count
 * (-1 = null). Flexible versions (KIP-482): strings are UNSIGNED_VARINT (length + 1) + UTF-8
 * (0 = null), arrays are UNSIGNED_VARINT (count + 1) (0 = null), and every struct (and the
 * request/response header) ends with a tagged-field section: UNSIGNED_VARINT count, then per
 * field UNSIGNED_VARINT tag, UNSIGNED_VARINT size, `size` bytes.
 *
 * The same message code writes either encoding: a {@link Writer}/{@link Reader} is created with
 * `flexible` set from the negotiated API version, and `string()`, `array()` and `endStruct()`
 * pick the form. Fixed-width integers, float64 and booleans are identical in both.
 *
 * Pure and dependency-free: no kafkajs types here, so the codec is testable byte by byte.
 */
import { FirebreakError } from '../../../errors.ts';
import { kafkaError } from '../errors.ts';

/** Largest value an UNSIGNED_VARINT may carry in Kafka (it is read into a Java int). */
const MAX_UVARINT = 0xffff_ffff;

/** Raised for bytes that do not follow the schema (truncated, overlong varint, bad length). */
export function malformed(message: string): FirebreakError {
  return kafkaError('KAFKA_PROTOCOL', `malformed Kafka message: ${message}`);
}

export class Writer {
  readonly flexible: boolean;
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(flexible: boolean) {
    this.flexible = flexible;
  }

  #push(buf: Buffer): this {
    this.#chunks.push(buf);
    this.#size += buf.length;
    return this;
  }

  int8(value: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(value);
    return this.#push(b);
  }

  int16(value: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(value);
    return this.#push(b);
  }

  int32(value: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(value);
    return this.#push(b);
  }

  int64(value: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(value);
    return this.#push(b);
  }

  float64(value: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(value);
    return this.#push(b);
  }

  bool(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }

  /** UNSIGNED_VARINT: 7 bits per byte, least significant group first, high bit = more follows. */
  uvarint(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > MAX_UVARINT) {
      throw new RangeError(`unsigned varint out of range: ${value}`);
    }
    const bytes: number[] = [];
    let rest = value;
    while (rest >= 0x80) {
      bytes.push((rest & 0x7f) | 0x80);
      rest = Math.floor(rest / 128);
    }
    bytes.push(rest);
    return this.#push(Buffer.from(bytes));
  }

  /** A STRING or NULLABLE_STRING (COMPACT_ forms when flexible). */
  string(value: string | null): this {
    if (value === null) return this.flexible ? this.uvarint(0) : this.int16(-1);
    const bytes = Buffer.from(value, 'utf8');
    if (this.flexible) this.uvarint(bytes.length + 1);
    else {
      if (bytes.length > 0x7fff) throw new RangeError('string longer than 32767 bytes');
      this.int16(bytes.length);
    }
    return this.#push(bytes);
  }

  /** An ARRAY or nullable ARRAY (COMPACT_ARRAY when flexible); `each` writes one element. */
  array<T>(items: readonly T[] | null, each: (w: this, item: T) => void): this {
    if (items === null) return this.flexible ? this.uvarint(0) : this.int32(-1);
    if (this.flexible) this.uvarint(items.length + 1);
    else this.int32(items.length);
    for (const item of items) each(this, item);
    return this;
  }

  /** Ends a struct: an empty tagged-field section when flexible, nothing otherwise. */
  endStruct(): this {
    return this.flexible ? this.uvarint(0) : this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.#chunks, this.#size);
  }
}

/** A tagged field read from a flexible struct; firebreak keeps unknown ones for inspection. */
export interface TaggedField {
  tag: number;
  data: Buffer;
}

export class Reader {
  readonly flexible: boolean;
  #buf: Buffer;
  #offset = 0;

  constructor(buf: Buffer, flexible: boolean) {
    this.#buf = buf;
    this.flexible = flexible;
  }

  get offset(): number {
    return this.#offset;
  }

  get remaining(): number {
    return this.#buf.length - this.#offset;
  }

  #take(n: number): number {
    if (n < 0 || this.#offset + n > this.#buf.length) {
      throw malformed(`needs ${n} bytes at offset ${this.#offset}, ${this.remaining} left`);
    }
    const at = this.#offset;
    this.#offset += n;
    return at;
  }

  int8(): number {
    return this.#buf.readInt8(this.#take(1));
  }

  int16(): number {
    return this.#buf.readInt16BE(this.#take(2));
  }

  int32(): number {
    return this.#buf.readInt32BE(this.#take(4));
  }

  int64(): bigint {
    return this.#buf.readBigInt64BE(this.#take(8));
  }

  float64(): number {
    return this.#buf.readDoubleBE(this.#take(8));
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  uvarint(): number {
    let result = 0;
    let factor = 1;
    for (let i = 0; i < 5; i++) {
      const byte = this.#buf.readUInt8(this.#take(1));
      result += (byte & 0x7f) * factor;
      if ((byte & 0x80) === 0) {
        if (result > MAX_UVARINT) throw malformed('unsigned varint exceeds 32 bits');
        return result;
      }
      factor *= 128;
    }
    throw malformed('unsigned varint longer than 5 bytes');
  }

  /** A NULLABLE_STRING (or COMPACT_NULLABLE_STRING when flexible). */
  nullableString(): string | null {
    const length = this.flexible ? this.uvarint() - 1 : this.int16();
    if (length === -1) return null;
    if (length < -1) throw malformed(`string length ${length}`);
    const at = this.#take(length);
    return this.#buf.toString('utf8', at, at + length);
  }

  /** A STRING that the schema says is never null. */
  string(): string {
    const value = this.nullableString();
    if (value === null) throw malformed('null in a non-nullable string');
    return value;
  }

  /** A nullable ARRAY (COMPACT_ARRAY when flexible); `each` reads one element. */
  nullableArray<T>(each: (r: this) => T): T[] | null {
    const count = this.flexible ? this.uvarint() - 1 : this.int32();
    if (count === -1) return null;
    if (count < -1) throw malformed(`array length ${count}`);
    // Every element takes at least one byte: a larger count cannot be honest.
    if (count > this.remaining) throw malformed(`array of ${count} elements in ${this.remaining} bytes`);
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(each(this));
    return items;
  }

  /** An ARRAY that the schema says is never null. */
  array<T>(each: (r: this) => T): T[] {
    const items = this.nullableArray(each);
    if (items === null) throw malformed('null in a non-nullable array');
    return items;
  }

  /** Reads a struct's tagged-field section when flexible; returns the (unknown) fields. */
  endStruct(): TaggedField[] {
    if (!this.flexible) return [];
    const count = this.uvarint();
    const fields: TaggedField[] = [];
    let previous = -1;
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      if (tag <= previous) throw malformed('tagged fields out of order');
      previous = tag;
      const size = this.uvarint();
      const at = this.#take(size);
      fields.push({ tag, data: this.#buf.subarray(at, at + size) });
    }
    return fields;
  }

  /** Asserts the whole buffer was consumed: trailing bytes mean a schema mismatch. */
  end(): void {
    if (this.remaining !== 0) throw malformed(`${this.remaining} unexpected trailing bytes`);
  }
}
