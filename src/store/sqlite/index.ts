/**
 * The SQLite journal: durable runs in one file, shared safely by several processes.
 * @module
 */
export { sqliteSchemaVersion } from './sqlite-migrations.js';
export {
  createSqliteStore,
  defaultSqlitePath,
  SqliteStore,
  type SqliteStoreOptions,
} from './sqlite-store.js';
