/**
 * Group commit of webhook bodies. `appendNotification` does not commit on its own: it queues
 * the body, and once per turn of the event loop (setImmediate, after the I/O callbacks that
 * delivered the requests) the queue is written in one transaction, one COMMIT for every
 * request that arrived meanwhile, and the one fsync that follows (wal-sync.ts) serves them
 * all. Each promise resolves only after that fsync: the 200 still means "on disk".
 *
 * A group is bounded in bytes and count, so a burst of large bodies is written in several
 * short transactions rather than one long stretch of the event loop.
 */
import type { StoredNotification } from '../../model/incident.ts';
import { appendedNotification, serializePayload } from '../json-text.ts';

/** Largest group written in one transaction. */
const GROUP_BYTES = 4 * 1024 * 1024;
const GROUP_COUNT = 512;

export interface QueuedBody {
  json: string;
  receivedAt: string;
}

interface Waiting extends QueuedBody {
  payload: unknown;
  resolve: (stored: StoredNotification) => void;
  reject: (err: unknown) => void;
}

/** Writes a group in one transaction and resolves (after it is durable) with their ids, in order. */
export type WriteGroup = (bodies: readonly QueuedBody[]) => Promise<number[]>;

export class AppendQueue {
  readonly #write: WriteGroup;
  #waiting: Waiting[] = [];
  #scheduled: NodeJS.Immediate | null = null;
  /** Groups being written, so close() can wait for them. */
  readonly #inFlight = new Set<Promise<void>>();

  constructor(write: WriteGroup) {
    this.#write = write;
  }

  /** Queues a body; STORE_INVALID_VALUE at once when it is not JSON. */
  append(payload: unknown, receivedAt: string): Promise<StoredNotification> {
    let json: string;
    try {
      json = serializePayload(payload);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      this.#waiting.push({ json, receivedAt, payload, resolve, reject });
      this.#scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Writes everything queued now (also what close() calls); resolves when those groups settled. */
  async flush(): Promise<void> {
    if (this.#scheduled !== null) clearImmediate(this.#scheduled);
    this.#scheduled = null;
    const queued = this.#waiting;
    this.#waiting = [];
    const groups: Waiting[][] = [];
    let bytes = 0;
    for (const item of queued) {
      const last = groups.at(-1);
      if (last === undefined || last.length >= GROUP_COUNT || bytes + item.json.length > GROUP_BYTES) {
        groups.push([item]);
        bytes = item.json.length;
      } else {
        last.push(item);
        bytes += item.json.length;
      }
    }
    const written = groups.map((group) => this.#track(this.#writeGroup(group)));
    await Promise.all([...written, ...this.#inFlight]);
  }

  #track(work: Promise<void>): Promise<void> {
    this.#inFlight.add(work);
    return work.finally(() => this.#inFlight.delete(work));
  }

  async #writeGroup(group: Waiting[]): Promise<void> {
    let ids: number[];
    try {
      ids = await this.#write(group);
    } catch (err) {
      for (const item of group) item.reject(err);
      return;
    }
    group.forEach((item, index) => item.resolve(appendedNotification(ids[index] as number, item.receivedAt, item.payload)));
  }
}
