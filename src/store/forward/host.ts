/**
 * The store thread's side of a forwarded store (client.ts): runs each call it receives on the
 * real store, by method name, and holds a transaction open while the other thread's `fn` makes
 * its calls. Knows nothing of the methods themselves, so new Store methods need nothing here.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Store, StoreTx } from '../types.ts';
import { decode, encodeError, encodeResult, type Reply, type Request } from './codec.ts';

/** The other thread's `fn` failed: roll back (its own error is rethrown over there). */
const ROLLBACK = Symbol('rollback');

interface OpenTx {
  tx: StoreTx;
  finish: (commit: boolean) => void;
}

/**
 * The names of the store's methods, for the other thread's forwarding store (client.ts): it
 * offers exactly these, so an optional Store method this backend lacks stays absent there too.
 */
export function storeMethods(store: Store): string[] {
  const names = new Set<string>();
  for (let o: object | null = store; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name !== 'constructor' && typeof (store as unknown as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return [...names];
}

export function serveStore(store: Store, port: MessagePort): void {
  const open = new Map<number, OpenTx>();
  /** Each transaction's outcome: committed (and durable) or rolled back. */
  const settled = new Map<number, Promise<void>>();
  const reply = (id: number, outcome: Promise<unknown>, args: readonly unknown[] = []): void => {
    outcome.then(
      (value) => port.postMessage({ id, ok: true, value: encodeResult(value, args) } satisfies Reply),
      (err: unknown) => port.postMessage({ id, ok: false, error: encodeError(err) } satisfies Reply),
    );
  };
  const invoke = (target: object, method: string, args: readonly unknown[]): Promise<unknown> => {
    const fn = (target as Record<string, unknown>)[method];
    if (typeof fn !== 'function') return Promise.reject(new TypeError(`the store has no method ${method}`));
    return Promise.resolve().then(() => (fn as (...a: unknown[]) => unknown).apply(target, [...args]));
  };

  port.on('message', (request: Request) => {
    switch (request.kind) {
      case 'call': {
        const args = request.args.map(decode);
        reply(request.id, invoke(store, request.method, args), args);
        return;
      }
      case 'begin': {
        let started: () => void = () => {};
        const begun = new Promise<void>((resolve) => (started = resolve));
        const done = store
          .transaction(
            (tx) =>
              new Promise<void>((resolve, reject) => {
                open.set(request.id, { tx, finish: (commit) => (commit ? resolve() : reject(ROLLBACK)) });
                started();
              }),
          )
          .catch((err: unknown) => {
            if (err !== ROLLBACK) throw err;
          });
        settled.set(request.id, done);
        // A transaction that cannot begin (a lock another process holds) answers the begin with why.
        reply(request.id, Promise.race([begun.then(() => request.id), done.then(() => Promise.reject(new Error('the transaction ended before it began')))]));
        return;
      }
      case 'tx': {
        const current = open.get(request.tx);
        const args = request.args.map(decode);
        reply(request.id, current === undefined ? Promise.reject(new Error(`no open transaction ${request.tx}`)) : invoke(current.tx, request.method, args), args);
        return;
      }
      case 'end': {
        const current = open.get(request.tx);
        open.delete(request.tx);
        if (current === undefined) {
          reply(request.id, Promise.reject(new Error(`no open transaction ${request.tx}`)));
          return;
        }
        current.finish(request.commit);
        reply(request.id, settled.get(request.tx) ?? Promise.resolve());
        settled.delete(request.tx);
        return;
      }
    }
  });
}
