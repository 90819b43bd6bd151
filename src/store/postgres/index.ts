/**
 * The PostgreSQL journal: `baton/store/postgres`, with `pg` as an optional peer dependency so
 * SQLite users never load it.
 * @module
 */
import { PostgresStore, type PostgresStoreOptions } from './postgres-store.js';

export { postgresMigrations, postgresSchemaVersion } from './postgres-migrations.js';
export { PostgresStore, type PostgresStoreOptions } from './postgres-store.js';

/**
 * Opens the PostgreSQL journal (creating and migrating its schema when needed).
 *
 * @example
 * ```ts
 * import { createPostgresStore } from 'baton/store/postgres';
 * const store = await createPostgresStore({ connectionString: process.env.DATABASE_URL, schema: 'baton' });
 * const baton = createBaton({ store });
 * ```
 */
export function createPostgresStore(options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  return PostgresStore.open(options);
}
