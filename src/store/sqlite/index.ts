/** The embedded SQLite backend of the store (see docs/storage.md). */
export { openSqliteStore, type SqliteStoreOptions } from './store.ts';
