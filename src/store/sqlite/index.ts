/** The embedded SQLite backend of the store (see docs/storage.md). */
export { openSqliteStore, type ImportedBody, type SqliteStoreApi, type SqliteStoreOptions } from './store.ts';
