/**
 * Watches a real store's transactions from the outside: once a transaction resolved (committed
 * and durable), `committed` is told which StoreTx methods it called, in order. With
 * `fail(methods)` true, the transaction fails at its end instead, as a store that cannot write
 * would (STORE_UNAVAILABLE), and is rolled back.
 */
import { FirebreakError } from '../../../../src/errors.ts';
import type { Store, StoreTx } from '../../../../src/store/types.ts';

export function observeTransactions(store: Store, committed: (methods: string[]) => void, fail: (methods: string[]) => boolean = () => false): void {
  const transaction = store.transaction.bind(store);
  store.transaction = async <T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> => {
    const methods: string[] = [];
    const result = await transaction(async (tx) => {
      const watched = new Proxy(tx, {
        get(target, property) {
          const value = Reflect.get(target, property) as unknown;
          if (typeof value !== 'function') return value;
          methods.push(String(property));
          return value.bind(target);
        },
      });
      const value = await fn(watched);
      if (fail(methods)) throw new FirebreakError('STORE_UNAVAILABLE', 'the disk is full', { retriable: true, statusCode: 503 });
      return value;
    });
    committed(methods);
    return result;
  };
}
