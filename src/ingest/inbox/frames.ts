/**
 * The record format of the inbox journal (journal.ts): one frame per acknowledged webhook body.
 *
 *   u32 LE  payload length (bytes after this 8-byte header)
 *   u32 LE  CRC-32 of the payload
 *   payload: f64 LE notification id, f64 LE time received (epoch ms), the body's bytes as received
 *
 * A frame whose header, length or CRC does not check out ends what can be read of a segment: a
 * write the process or the machine did not finish (see docs/storage.md, "The inbox journal").
 */
import { crc32 } from 'node:zlib';

const HEADER = 8;
const FIXED = 16;
/** Larger than any body the webhook accepts: a length above it is garbage, not a record. */
const MAX_PAYLOAD = 1024 * 1024 * 1024;

export interface InboxRecord {
  id: number;
  receivedAtMs: number;
  /** The body's bytes as received (UTF-8 JSON, perhaps with a byte-order mark). */
  body: Uint8Array;
}

export function encodeFrame(id: number, receivedAtMs: number, body: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(HEADER + FIXED + body.byteLength);
  frame.writeUInt32LE(FIXED + body.byteLength, 0);
  frame.writeDoubleLE(id, HEADER);
  frame.writeDoubleLE(receivedAtMs, HEADER + 8);
  frame.set(body, HEADER + FIXED);
  frame.writeUInt32LE(crc32(frame.subarray(HEADER)), 4);
  return frame;
}

/**
 * The frames of `data` up to the first that is incomplete or does not check out. `validBytes`
 * is where that one starts (data.length when every frame is whole).
 */
export function decodeFrames(data: Uint8Array): { records: InboxRecord[]; validBytes: number } {
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const records: InboxRecord[] = [];
  let at = 0;
  while (at + HEADER <= buffer.length) {
    const length = buffer.readUInt32LE(at);
    if (length < FIXED || length > MAX_PAYLOAD || at + HEADER + length > buffer.length) break;
    const payload = buffer.subarray(at + HEADER, at + HEADER + length);
    if (crc32(payload) !== buffer.readUInt32LE(at + 4)) break;
    const id = payload.readDoubleLE(0);
    const receivedAtMs = payload.readDoubleLE(8);
    if (!Number.isSafeInteger(id) || id < 1 || !Number.isFinite(receivedAtMs)) break;
    records.push({ id, receivedAtMs, body: payload.subarray(FIXED) });
    at += HEADER + length;
  }
  return { records, validBytes: at };
}
