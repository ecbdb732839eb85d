/**
 * A {@link Store} whose calls run in another thread (host.ts holds the real store there). Calls
 * are forwarded by name with their arguments, so every Store method, including ones added
 * later, is forwarded without a change here. `transaction(fn)` runs `fn` in this thread: the
 * store thread opens the transaction, then runs each call `fn` makes on its `tx`, and commits
 * or rolls back when `fn` settles. The Store contract holds as for the store itself: the same
 * isolation (the store thread's mutex), promises that resolve once durable, STORE_TX_MISUSE
 * for the store called inside its own transaction or a `tx` used after it ended, STORE_CLOSED
 * after close().
 *
 * Each call costs a message each way (tens of microseconds): fine for the HTTP API and the
 * engine; bulk work (incident processing) runs in the store thread itself.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { MessagePort } from 'node:worker_threads';
import { storeClosed, txMisuse } from '../errors.ts';
import type { Store, StoreTx } from '../types.ts';
import { decodeError, decodeResult, encode, type Reply, type Request } from './codec.ts';

interface TxState {
  active: boolean;
}

/** The Store over `port`, offering the `methods` the store in the other thread has (host.ts). */
export function forwardingStore(port: MessagePort, methods: readonly string[]): Store {
  const offered = new Set(methods);
  const waiting = new Map<number, { args: readonly unknown[]; resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  const context = new AsyncLocalStorage<TxState>();
  let next = 0;
  let closing: Promise<void> | null = null;

  port.on('message', (reply: Reply) => {
    const entry = waiting.get(reply.id);
    if (entry === undefined) return;
    waiting.delete(reply.id);
    if (reply.ok) entry.resolve(decodeResult(reply.value, entry.args));
    else entry.reject(decodeError(reply.error));
  });
  // Only outstanding calls keep the process alive, as with a store in this thread.
  port.unref();

  /** Posts a request; `args` are the call's own (a result may hand one back by position). */
  function send(request: (id: number) => Request, args: readonly unknown[] = []): Promise<unknown> {
    const id = ++next;
    if (waiting.size === 0) port.ref();
    return new Promise<unknown>((resolve, reject) => {
      waiting.set(id, { args, resolve, reject });
      port.postMessage(request(id));
    }).finally(() => {
      if (waiting.size === 0) port.unref();
    });
  }

  function refused(): Error | null {
    if (context.getStore()?.active === true) {
      return txMisuse('the store was called inside its own transaction; use the tx passed to transaction(fn)');
    }
    return closing === null ? null : storeClosed();
  }

  function call(method: string, args: unknown[]): Promise<unknown> {
    const err = refused();
    return err === null ? send((id) => ({ kind: 'call', id, method, args: args.map(encode) }), args) : Promise.reject(err);
  }

  function txView(tx: number, state: TxState): StoreTx {
    return new Proxy({} as StoreTx, {
      get(_target, property) {
        if (typeof property !== 'string' || property === 'then') return undefined;
        return (...args: unknown[]) =>
          state.active
            ? send((id) => ({ kind: 'tx', id, tx, method: property, args: args.map(encode) }), args)
            : Promise.reject(txMisuse('this transaction has already finished'));
      },
    });
  }

  async function transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    const err = refused();
    if (err !== null) throw err;
    const tx = (await send((id) => ({ kind: 'begin', id }))) as number;
    const state: TxState = { active: true };
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await context.run(state, () => fn(txView(tx, state))) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    state.active = false;
    await send((id) => ({ kind: 'end', id, tx, commit: outcome.ok }));
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  function close(): Promise<void> {
    if (context.getStore()?.active === true) return Promise.reject(txMisuse('the store cannot be closed from inside its own transaction'));
    closing ??= send((id) => ({ kind: 'call', id, method: 'close', args: [] })).then(() => undefined);
    return closing;
  }

  const made = new Map<PropertyKey, unknown>([
    ['transaction', transaction],
    ['close', close],
  ]);
  return new Proxy({} as Store, {
    get(_target, property) {
      if (made.has(property)) return made.get(property);
      if (typeof property !== 'string' || !offered.has(property)) return undefined;
      const method = (...args: unknown[]) => call(property, args);
      made.set(property, method);
      return method;
    },
    has: (_target, property) => made.has(property) || (typeof property === 'string' && offered.has(property)),
  });
}
