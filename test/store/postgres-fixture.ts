import { createHash } from 'node:crypto';
import pg from 'pg';
import { PostgresStore } from '../../src/store/postgres/index.js';

/** The test server: `BATON_TEST_POSTGRES_URL`, or the local one CI starts. */
export const postgresUrl = process.env.BATON_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let counter = 0;

/**
 * A store on a schema of its own, named from a hash of the test file and a counter, so test files
 * running in parallel never meet.
 */
export function openTestStore(file: string): Promise<PostgresStore> {
  const tag = createHash('sha256').update(file).digest('hex').slice(0, 8);
  return PostgresStore.open({
    connectionString: postgresUrl,
    schema: `baton_test_${tag}_${process.pid}_${counter++}`,
    maxConnections: 4,
  });
}

/** Closes the store and drops its schema. */
export async function dropTestStore(store: PostgresStore): Promise<void> {
  await store.close();
  await dropSchema(store.schema);
}

/** Drops a schema of a test (a store's, or the queue's of the distributed tests). */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
