import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresStore, postgresSchemaVersion } from '../../src/store/postgres/index.js';
import { runFixture } from '../../src/testing/store-fixtures.js';
import { dropTestStore, openTestStore, postgresUrl } from './postgres-fixture.js';

const opened: PostgresStore[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await dropTestStore(store);
});

async function query(text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

describe('PostgresStore migrations', () => {
  it('migrates a new schema to the current version once, when many processes open it at once', async () => {
    const first = await openTestStore(import.meta.filename);
    opened.push(first);
    const others = await Promise.all(
      Array.from({ length: 4 }, () =>
        PostgresStore.open({ connectionString: postgresUrl, schema: first.schema }),
      ),
    );
    for (const store of others) await store.close();
    const { rows } = await query(`SELECT version FROM "${first.schema}".schema_migrations ORDER BY version`);
    expect(rows.map((row) => row.version)).toEqual(
      Array.from({ length: postgresSchemaVersion }, (_, index) => index + 1),
    );
  });

  it('refuses a schema from a newer Baton and leaves it exactly as it was', async () => {
    const store = await openTestStore(import.meta.filename);
    opened.push(store);
    await store.createRun(runFixture({ id: 'run_kept' }));
    await query(`INSERT INTO "${store.schema}".schema_migrations VALUES ($1, 'from the future', 0)`, [
      postgresSchemaVersion + 1,
    ]);
    const before = await query(`SELECT count(*)::int AS runs FROM "${store.schema}".runs`);
    await expect(
      PostgresStore.open({ connectionString: postgresUrl, schema: store.schema }),
    ).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: expect.stringContaining(`schema version ${postgresSchemaVersion + 1}`),
    });
    const after = await query(`SELECT count(*)::int AS runs FROM "${store.schema}".runs`);
    const versions = await query(`SELECT max(version) AS version FROM "${store.schema}".schema_migrations`);
    expect(after.rows).toEqual(before.rows);
    expect(versions.rows[0].version).toBe(postgresSchemaVersion + 1);
  });

  it('says where it could not connect, without the password', async () => {
    await expect(
      PostgresStore.open({ connectionString: 'postgres://someone:secret@127.0.0.1:1/none', schema: 'x' }),
    ).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: expect.not.stringContaining('secret'),
    });
  });

  it('applies the writes of one run in the order they were made, without waiting between them', async () => {
    const store = await openTestStore(import.meta.filename);
    opened.push(store);
    await store.createRun(runFixture({ id: 'run_order' }));
    const writes = Array.from({ length: 50 }, (_, index) =>
      store.writeStep({
        runId: 'run_order',
        path: 'a',
        stepId: 'a',
        kind: 'transform',
        status: 'running',
        attempt: index + 1,
      }),
    );
    await Promise.all(writes);
    const [step] = await store.listSteps('run_order');
    expect(step?.attempt).toBe(50);
  });
});
