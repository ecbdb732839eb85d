/** The PostgreSQL backend of the store, for several replicas (see docs/storage.md, docs/ha.md). */
export { openPostgresStore, PostgresStore, type PostgresStoreOptions } from './store.ts';
export { redactUrl, type PostgresTls } from './pool.ts';
