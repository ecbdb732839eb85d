import { expect } from 'chai';
import { FakeClock } from '../../../src/core/clock.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { FirebreakError } from '../../../src/errors.ts';
import type { NewIncident, Store } from '../../../src/store/types.ts';
import { openSqliteStore } from '../../../src/store/sqlite/index.ts';

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function incident(key: string): NewIncident {
  return {
    key,
    title: 'Consumer lag on billing',
    severity: 'warning',
    cluster: 'main',
    status: 'open',
    runbook: null,
    labels: {},
    startedAt: '2026-01-01T00:00:00.000Z',
    openedAt: '2026-01-01T00:00:01.000Z',
    containedAt: null,
    resolvedAt: null,
    recoveredAt: null,
    closedAt: null,
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(FirebreakError);
    return (err as FirebreakError).code;
  }
  return 'resolved';
}

describe('SQLite store in memory: transactions and the clock', () => {
  let clock: FakeClock;
  let store: Store;

  beforeEach(async () => {
    clock = new FakeClock('2026-01-01T00:00:00Z');
    store = await openSqliteStore({ path: ':memory:', clock, logger: silentLogger() });
    await store.migrate();
  });

  afterEach(async () => {
    await store.close();
  });

  it('stamps updatedAt and the time part of incident ids from the injected clock', async () => {
    clock.set('2026-05-01T10:00:00Z');
    const created = await store.createIncident(incident('k'));
    expect(created.updatedAt).to.equal('2026-05-01T10:00:00.000Z');
    clock.advance(60_000);
    const updated = await store.updateIncident(created.id, { title: 'renamed' });
    expect(updated.updatedAt).to.equal('2026-05-01T10:01:00.000Z');
    const later = await store.createIncident(incident('k2'));
    expect(later.id > created.id).to.equal(true);
  });

  it('never interleaves a transaction with other calls: they wait for it in arrival order', async () => {
    const log: string[] = [];
    const slow = store.transaction(async (tx) => {
      log.push('tx:begin');
      await tick();
      await tx.createIncident(incident('a'));
      await tick();
      log.push('tx:end');
    });
    const outside = store.findActiveIncidentByKey('a').then((found) => log.push(`read:${found === null ? 'none' : 'found'}`));
    const second = store.transaction(async () => {
      log.push('tx2');
    });
    await Promise.all([slow, outside, second]);
    expect(log).to.deep.equal(['tx:begin', 'tx:end', 'read:found', 'tx2']);
  });

  it('fails fast with STORE_TX_MISUSE instead of hanging when the store is used inside its own transaction', async () => {
    const codes = await store.transaction(async (tx) => {
      const found = await codeOf(store.getIncident('INC-X'));
      const nested = await codeOf(store.transaction(async () => 1));
      const closing = await codeOf(store.close());
      await tx.createIncident(incident('still-usable'));
      return [found, nested, closing];
    });
    expect(codes).to.deep.equal(['STORE_TX_MISUSE', 'STORE_TX_MISUSE', 'STORE_TX_MISUSE']);
    expect(await store.findActiveIncidentByKey('still-usable')).to.not.equal(null);
  });

  it('lets work started inside a transaction use the store once the transaction is over', async () => {
    let background: Promise<unknown> = Promise.resolve();
    await store.transaction(async (tx) => {
      await tx.createIncident(incident('bg'));
      background = (async () => {
        await tick();
        return store.findActiveIncidentByKey('bg');
      })();
    });
    expect(await background).to.not.equal(null);
  });

  it('closes after the running transaction commits, and refuses new calls meanwhile', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const running = store.transaction(async (tx) => {
      await gate;
      return tx.createIncident(incident('last'));
    });
    await tick();
    const closed = store.close();
    expect(await codeOf(store.ping())).to.equal('STORE_CLOSED');
    release();
    const created = await running;
    await closed;
    expect(created.key).to.equal('last');
    expect(await codeOf(store.getIncident(created.id))).to.equal('STORE_CLOSED');
  });
});
