/**
 * The store contract suite: the behaviour every backend of `Store` must show, written only
 * against the interface in src/store/types.ts so the SQLite and PostgreSQL backends run the
 * very same tests. A backend's test file calls `storeContract` once and adds tests only for
 * what is specific to it (file settings, locks, triggers).
 */
import type { Store } from '../../../src/store/types.ts';
import type { ContractContext } from './contract-fixtures.ts';
import { claimsContract } from './contract-claims.ts';
import { engineContract } from './contract-engine.ts';
import { incidentsContract } from './contract-incidents.ts';
import { timersContract } from './contract-timers.ts';
import { journalContract } from './contract-journal.ts';
import { sessionsContract } from './contract-sessions.ts';
import { timelineContract } from './contract-timeline.ts';
import { transactionsContract } from './contract-transactions.ts';

/**
 * Defines `describe('store contract: <name>')`.
 *
 * @param open opens the backend over the current test's data and returns it, migrated or not
 *   (the suite calls `migrate()`). Within one test, every call must reach the same data: the
 *   durability tests close the store and call `open` again.
 * @param cleanup runs after each test, once every store the test opened is closed; it should
 *   discard that test's data (drop the file, the schema...). The tests use unique keys and
 *   time windows, so they also pass on data other tests left behind.
 */
export function storeContract(name: string, open: () => Promise<Store>, cleanup?: () => Promise<void>): void {
  describe(`store contract: ${name}`, () => {
    const opened: Store[] = [];
    const ctx: ContractContext = {
      async open() {
        const store = await open();
        opened.push(store);
        await store.migrate();
        return store;
      },
    };

    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
      await cleanup?.();
    });

    journalContract(ctx);
    claimsContract(ctx);
    incidentsContract(ctx);
    timelineContract(ctx);
    transactionsContract(ctx);
    engineContract(ctx);
    sessionsContract(ctx);
    timersContract(ctx);
  });
}
