/**
 * A webhook body handed to {@link Store.appendNotification} as the JSON text it arrived as.
 * Ingest has parsed and checked the body already (src/ingest/accept.ts, and for large bodies the
 * ingest thread, src/ingest/thread-processing.ts); handing the store the text spares a second
 * serialisation, and through the ingest thread's forwarding store a copy of a tree of objects.
 * Every backend stores `text` as the body, exactly as if it had serialised the parsed value.
 */
import type { StoredNotification } from '../model/incident.ts';
import { invalidValue } from './errors.ts';

export class JsonText {
  /** JSON text of an object; the caller has parsed it, so it is known to be valid. */
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

/**
 * The notification `appendNotification` returns: its payload is the value given (a JsonText
 * stays a JsonText: whoever hands the store text has the parsed value already).
 */
export function appendedNotification(id: number, receivedAt: string, payload: unknown): StoredNotification {
  return { id, receivedAt, payload, processedAt: null, error: null };
}

/**
 * The JSON text a backend stores for a body: a {@link JsonText}'s own text, else the value
 * serialised. STORE_INVALID_VALUE for a value JSON cannot represent (a BigInt, a cycle).
 */
export function serializePayload(payload: unknown): string {
  if (payload instanceof JsonText) return payload.text;
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch (err) {
    throw invalidValue(`notification payload cannot be serialised as JSON: ${(err as Error).message}`);
  }
  if (json === undefined) throw invalidValue('notification payload cannot be serialised as JSON');
  return json;
}
