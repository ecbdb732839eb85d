import { expect } from 'chai';
import pg from 'pg';
import { silentLogger } from '../../../src/core/logger.ts';
import { openPostgresStore } from '../../../src/store/postgres/index.ts';
import { loadMigrations } from '../../../src/store/postgres/migrate.ts';
import type { Store } from '../../../src/store/types.ts';
import { usePostgres, type TestPostgres } from '../../support/postgres.ts';
import { storeContract } from './contract.ts';
import { entry, newIncident, rejection, webhookBody } from './contract-fixtures.ts';

describe('PostgreSQL store', function () {
  this.timeout(60_000);
  let postgres: TestPostgres;
  let contractUrl = '';
  const opened: Store[] = [];

  before(async function () {
    this.timeout(180_000);
    postgres = await usePostgres();
    contractUrl = await postgres.createDatabase('contract');
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  async function open(url: string, poolSize?: number): Promise<Store> {
    const store = await openPostgresStore({ url, logger: silentLogger(), ...(poolSize === undefined ? {} : { poolSize }) });
    opened.push(store);
    return store;
  }

  /** Runs `sql` on its own connection, outside the store. */
  async function raw<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }

  // Every contract test shares one database: the suite's unique keys and time windows keep
  // tests apart, as they would on a database several replicas share.
  storeContract('postgres', () => openPostgresStore({ url: contractUrl, logger: silentLogger() }));

  describe('database', () => {
    it('forbids updating, deleting or truncating timeline entries even in raw SQL', async () => {
      const url = await postgres.createDatabase('append_only');
      const store = await open(url);
      await store.migrate();
      const incident = await store.createIncident(newIncident());
      const written = await store.appendTimeline(entry(incident.id));
      await raw(url, async (client) => {
        for (const statement of ["UPDATE timeline SET summary = 'rewritten'", 'DELETE FROM timeline', 'TRUNCATE timeline CASCADE']) {
          let failure: unknown;
          await client.query(statement).catch((err: unknown) => {
            failure = err;
          });
          expect((failure as Error | undefined)?.message, statement).to.match(/append-only/);
        }
      });
      expect(await store.timeline(incident.id)).to.deep.equal([written]);
    });

    it('is not ready (ping) on a database that accepts no writes, and says why', async () => {
      const url = await postgres.createDatabase('read_only');
      const writable = await open(url);
      await writable.migrate();
      await writable.ping();
      const name = new URL(url).pathname.slice(1);
      await raw(url, (client) => client.query(`ALTER DATABASE "${name}" SET default_transaction_read_only = on`));
      // Connections opened from now on are read-only, as on a database switched to read-only.
      const store = await open(url, 1);
      const failure = await store.ping().then(() => null, (err: unknown) => err as { code: string; message: string });
      expect(failure?.code).to.equal('STORE_UNAVAILABLE');
      expect(failure?.message).to.equal('PostgreSQL accepts no writes here (transactions are read-only)');
      await raw(url, async (client) => {
        await client.query('SET default_transaction_read_only = off');
        await client.query(`ALTER DATABASE "${name}" SET default_transaction_read_only = off`);
      });
    });

    it('applies each migration once when several replicas migrate the same database at the same moment', async () => {
      const url = await postgres.createDatabase('migrate_race');
      const replicas = await Promise.all(Array.from({ length: 5 }, () => open(url, 2)));
      await Promise.all(replicas.map((store) => store.migrate()));
      await replicas[0]?.migrate();
      const rows = await raw(url, async (client) => (await client.query('SELECT version, name FROM schema_migrations ORDER BY version')).rows);
      expect(rows).to.deep.equal(loadMigrations().map((m) => ({ version: m.version, name: m.name })));
      // Every replica works on the migrated schema.
      for (const store of replicas) await store.appendNotification(webhookBody(), '2026-01-01T00:00:00.000Z');
    });

    it('refuses a schema migrated by a newer firebreak with STORE_SCHEMA_TOO_NEW', async () => {
      const url = await postgres.createDatabase('too_new');
      const store = await open(url);
      await store.migrate();
      await raw(url, (client) => client.query("INSERT INTO schema_migrations VALUES (999, 'from_the_future', 'x', '2030-01-01T00:00:00.000Z')"));
      const err = await rejection(store.migrate(), 'STORE_SCHEMA_TOO_NEW');
      expect(err.details).to.deep.equal({ schemaVersion: 999, knownVersion: loadMigrations().length });
      await rejection(openPostgresStore({ url, logger: silentLogger() }), 'STORE_SCHEMA_TOO_NEW');
    });

    it('reports tables missing before migrate() as STORE_SCHEMA_MISSING', async () => {
      const store = await open(await postgres.createDatabase('unmigrated'));
      await rejection(store.getIncident('INC-X'), 'STORE_SCHEMA_MISSING');
    });

    it('keeps a webhook body byte for byte, unicode and key order included', async () => {
      const url = await postgres.createDatabase('payload');
      const store = await open(url);
      await store.migrate();
      const body = { z: 1, a: { 'brøker ✓': '\u0000nul', n: 1.5e300 }, list: [3, 2, 1] };
      const stored = await store.appendNotification(body, '2026-01-01T00:00:00.000Z');
      const text = await raw(url, async (client) => (await client.query('SELECT payload FROM notifications WHERE id = $1', [stored.id])).rows[0]?.payload);
      expect(text).to.equal(JSON.stringify(body));
      expect((await store.getNotification(stored.id))?.payload).to.deep.equal(body);
    });
  });

  describe('connection', () => {
    it('fails with retriable STORE_UNAVAILABLE when the server cannot be reached', async () => {
      const err = await rejection(openPostgresStore({ url: 'postgres://firebreak:x@127.0.0.1:1/none', logger: silentLogger(), connectTimeoutMs: 1_000 }), 'STORE_UNAVAILABLE');
      expect(err.retriable).to.equal(true);
      expect(err.statusCode).to.equal(503);
    });

    it('never puts the password of the URL in an error', async () => {
      const err = await rejection(openPostgresStore({ url: 'postgres://firebreak:s3cret-pw@127.0.0.1:1/none', logger: silentLogger(), connectTimeoutMs: 1_000 }), 'STORE_UNAVAILABLE');
      expect(err.message).to.not.include('s3cret-pw');
      expect(err.message).to.include('***');
    });

    it('refuses TLS settings in the URL: they belong in postgres.tls', async () => {
      const err = await rejection(openPostgresStore({ url: 'postgres://u:p@127.0.0.1:5432/db?sslmode=require', logger: silentLogger() }), 'STORE_INVALID_URL');
      expect(err.message).to.include('sslmode');
    });

    it('waits for a writer of another replica, then fails with STORE_UNAVAILABLE after lock_timeout, and recovers', async () => {
      const url = await postgres.createDatabase('lock_wait');
      const store = await openPostgresStore({ url, logger: silentLogger(), lockTimeoutMs: 300 });
      opened.push(store);
      await store.migrate();
      const other = await open(url);
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let entered: () => void = () => {};
      const inside = new Promise<void>((resolve) => {
        entered = resolve;
      });
      const holding = other.transaction(async () => {
        entered();
        await held;
      });
      await inside;
      const err = await rejection(store.createIncident(newIncident()), 'STORE_UNAVAILABLE');
      expect(err.retriable).to.equal(true);
      // The webhook's append takes no lock: it is acknowledged while the other replica writes.
      const appended = await store.appendNotification(webhookBody(), '2026-01-01T00:00:00.000Z');
      release();
      await holding;
      expect((await store.getNotification(appended.id))?.id).to.equal(appended.id);
      expect((await store.createIncident(newIncident())).id).to.be.a('string');
    });
  });
});
