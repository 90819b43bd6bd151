import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatonError } from '../../src/core/index.js';
import { storeValue } from '../../src/store/shared/stored-value.js';
import { SqliteStore, sqliteSchemaVersion } from '../../src/store/sqlite/index.js';
import {
  enableWriteAheadLog,
  migrateJournal,
  sqliteMigrations,
} from '../../src/store/sqlite/sqlite-migrations.js';
import { runFixture, stepFixture } from '../../src/testing/store-fixtures.js';

let directory: string;
let path: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'baton-migrations-'));
  path = join(directory, 'baton.db');
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

const digest = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function openingError(): BatonError {
  try {
    new SqliteStore(path).close();
  } catch (error) {
    if (BatonError.is(error)) return error;
    throw error;
  }
  throw new TypeError('The store opened, but it should have been refused.');
}

/**
 * A journal as the first release left it: schema version 1 only, with one run (its large input in
 * `blobs`) and one step, written with that release's column lists.
 */
function writeVersionOneJournal(
  run: ReturnType<typeof runFixture>,
  step: ReturnType<typeof stepFixture>,
): void {
  const [first] = sqliteMigrations;
  if (first?.version !== 1) throw new TypeError('The first migration must be version 1.');
  const database = new Database(path);
  database.pragma('journal_mode = WAL');
  database.exec(first.sql);
  database
    .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, ?, 0)')
    .run(first.name);
  database.pragma('user_version = 1');
  const putBlob = (hash: string, body: string) =>
    database.prepare('INSERT INTO blobs (hash, body) VALUES (?, ?) ON CONFLICT DO NOTHING').run(hash, body);
  database
    .prepare(
      `INSERT INTO runs (id, workflow_name, workflow_hash, definition, definition_blob, input, input_blob, status,
        created_at, ended_at, output, output_blob, error, parent_run_id, usage, cost_usd)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL, NULL, ?, ?)`,
    )
    .run(
      run.id,
      run.workflowName,
      run.workflowHash,
      ...storeValue(run.definition, putBlob),
      ...storeValue(run.input, putBlob),
      run.status,
      run.createdAt,
      JSON.stringify(run.usage),
      run.costUsd,
    );
  database
    .prepare(
      `INSERT INTO steps (run_id, path, step_id, kind, status, attempt, started_at, output, output_blob)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      step.runId,
      step.path,
      step.stepId,
      step.kind,
      step.status,
      step.attempt,
      step.startedAt,
      ...storeValue(step.output, putBlob),
    );
  database.close();
}

describe('SqliteStore migrations', () => {
  it('migrates a version 1 journal on open, keeping its runs, and then caches', async () => {
    const run = runFixture({ input: { document: 'Sally earned 12 dollars an hour. '.repeat(500) } });
    const step = stepFixture({ output: { answer: 10 } });
    writeVersionOneJournal(run, step);

    const store = new SqliteStore(path);
    expect(await store.getRun(run.id)).toStrictEqual(run);
    expect(await store.listSteps(run.id)).toStrictEqual([step]);
    const entry = { key: 'sha256:answer', value: run.input, model: 'openai:gpt-4o-mini', createdAt: 5 };
    await store.writeCache(entry);
    expect(await store.readCache(entry.key)).toStrictEqual(entry);
    await store.close();

    const database = new Database(path, { readonly: true });
    expect(database.pragma('user_version', { simple: true })).toBe(sqliteSchemaVersion);
    const versions = database.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    database.close();
    expect(versions).toEqual(sqliteMigrations.map((migration) => migration.version));
    const reopened = new SqliteStore(path);
    expect(await reopened.getRun(run.id)).toStrictEqual(run);
    expect(await reopened.readCache(entry.key)).toStrictEqual(entry);
    await reopened.close();
  });

  it('numbers its migrations 1, 2, ... in order, so each runs once', () => {
    expect(sqliteMigrations.map((migration) => migration.version)).toEqual(
      sqliteMigrations.map((_, index) => index + 1),
    );
  });

  it('brings a new file to the latest schema and records each migration', async () => {
    await new SqliteStore(path).close();
    const database = new Database(path, { readonly: true });
    // The version of the last migration: the file says it has all of them.
    expect(sqliteSchemaVersion).toBe(sqliteMigrations.length);
    expect(database.pragma('user_version', { simple: true })).toBe(sqliteSchemaVersion);
    const applied = database.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    database.close();
    expect(applied).toEqual(sqliteMigrations.map(({ version, name }) => ({ version, name })));
  });

  it('reopens a journal at the current schema with its runs', async () => {
    const first = new SqliteStore(path);
    await first.createRun(runFixture());
    await first.close();
    const second = new SqliteStore(path);
    expect(await second.getRun('run_1')).toStrictEqual(runFixture());
    await second.close();
  });

  it('refuses a journal written by a newer version and leaves the file unchanged', async () => {
    const store = new SqliteStore(path);
    await store.createRun(runFixture());
    await store.close();
    const database = new Database(path);
    database.pragma(`user_version = ${sqliteSchemaVersion + 1}`);
    database.close();
    const before = digest(path);
    const files = readdirSync(directory);

    const error = openingError();

    expect(error.code).toBe('STORE_UNAVAILABLE');
    expect(error.message).toContain(`schema version ${sqliteSchemaVersion + 1}`);
    expect(error.message).toContain('left unchanged');
    expect(error.hint).toMatch(/upgrade Baton/i);
    expect(error.details).toMatchObject({ path, schemaVersion: sqliteSchemaVersion + 1 });
    expect(digest(path)).toBe(before);
    expect(readdirSync(directory)).toEqual(files);
  });

  it('refuses a newer journal that another process holds open, through its WAL', async () => {
    await new SqliteStore(path).close();
    const newer = new Database(path);
    newer.pragma(`user_version = ${sqliteSchemaVersion + 1}`);
    const before = digest(path);

    const error = openingError();

    expect(error.details).toMatchObject({ schemaVersion: sqliteSchemaVersion + 1 });
    // Refused on the look before opening, not by the migration that would have followed.
    expect(error.message).toContain('left unchanged');
    expect(digest(path)).toBe(before);
    newer.close();
  });

  it('refuses a newer journal whose writer died before merging its WAL, leaving both files unchanged', async () => {
    await new SqliteStore(path).close();
    const newer = new Database(path);
    newer.pragma('wal_autocheckpoint = 0');
    newer.pragma(`user_version = ${sqliteSchemaVersion + 1}`);
    newer.exec('CREATE TABLE newer_things (id INTEGER PRIMARY KEY)');
    // A copy of the files while the writer holds them: what a crash leaves on disk.
    const crashed = join(directory, 'crashed.db');
    copyFileSync(path, crashed);
    copyFileSync(`${path}-wal`, `${crashed}-wal`);
    newer.close();
    const before = [digest(crashed), digest(`${crashed}-wal`)];

    let error: unknown;
    try {
      new SqliteStore(crashed).close();
    } catch (thrown) {
      error = thrown;
    }

    expect(error).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      details: { schemaVersion: sqliteSchemaVersion + 1 },
    });
    expect([digest(crashed), digest(`${crashed}-wal`)]).toEqual(before);
  });

  it('opens a journal whose first open stopped before migrating, and leaves no other connection to it', async () => {
    // The switch to WAL wrote the header; the process stopped before creating any table.
    const first = new Database(path);
    first.pragma('journal_mode = WAL');
    first.close();

    const store = new SqliteStore(path);
    await store.createRun(runFixture());
    expect(await store.getRun('run_1')).toMatchObject({ id: 'run_1' });
    await store.close();
    // The last connection to close merges and removes the WAL: nothing else held the file.
    expect(readdirSync(directory)).toEqual(['baton.db']);
  });

  it('leaves no file open after reading the header of a journal', async () => {
    await new SqliteStore(path).close();
    const open = () => readdirSync('/proc/self/fd').length;
    const before = open();
    await new SqliteStore(path).close();
    expect(open()).toBe(before);
  });

  it('refuses a SQLite database that is not a journal and leaves it unchanged', () => {
    const database = new Database(path);
    database.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)');
    database.close();
    const before = digest(path);

    const error = openingError();

    expect(error.code).toBe('STORE_UNAVAILABLE');
    expect(error.message).toContain('not a Baton journal');
    expect(error.details).toMatchObject({ tables: ['invoices'] });
    expect(digest(path)).toBe(before);
  });

  it('refuses a file that is not a database', () => {
    writeFileSync(path, 'name,total\nSally,12\n'.repeat(100));
    const error = openingError();
    expect(error.code).toBe('STORE_UNAVAILABLE');
    expect(error.details).toMatchObject({ sqliteCode: 'SQLITE_NOTADB' });
    expect(error.hint).toContain('not a SQLite database');
  });
});

describe('enableWriteAheadLog', () => {
  /** A connection whose switch to WAL fails with `code` the first `failures` times. */
  function connection(code: unknown, failures = Number.POSITIVE_INFINITY) {
    const state = { attempts: 0 };
    const database = {
      pragma: (command: string) => {
        expect(command).toBe('journal_mode = WAL');
        state.attempts++;
        if (state.attempts <= failures) throw Object.assign(new Error('database is locked'), { code });
        return 'wal';
      },
    } as unknown as Database.Database;
    return { database, state };
  }

  it('tries a busy switch again until it goes through', () => {
    const { database, state } = connection('SQLITE_BUSY', 3);
    enableWriteAheadLog(database, 5_000);
    expect(state.attempts).toBe(4);
  });

  it('keeps trying for the busy timeout, a few milliseconds apart, then gives up with the busy error', () => {
    const { database, state } = connection('SQLITE_BUSY_RECOVERY');
    const started = Date.now();
    expect(() => enableWriteAheadLog(database, 100)).toThrow(
      expect.objectContaining({ code: 'SQLITE_BUSY_RECOVERY' }) as Error,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    // Each retry waits 2 to 10 ms: within 100 ms that is at most 51 tries, and more than one.
    expect(state.attempts).toBeGreaterThan(1);
    expect(state.attempts).toBeLessThanOrEqual(51);
  });

  it('waits between 2 and 10 ms before each retry, as its random draw says', () => {
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.5);
    try {
      const { database, state } = connection('SQLITE_BUSY');
      const started = Date.now();
      expect(() => enableWriteAheadLog(database, 60)).toThrow('database is locked');
      // 6 ms apart: at most 11 tries in 60 ms (fewer when the machine is busy), never a spin.
      expect(state.attempts).toBeLessThanOrEqual(11);
      expect((Date.now() - started) / state.attempts).toBeGreaterThanOrEqual(5);
    } finally {
      random.mockRestore();
    }
  });

  it('does not try again after any other failure', () => {
    for (const code of ['SQLITE_CORRUPT', 'SQLITE_LOCKED', 42, undefined]) {
      const { database, state } = connection(code);
      expect(() => enableWriteAheadLog(database, 5_000)).toThrow('database is locked');
      expect(state.attempts).toBe(1);
    }
  });
});

describe('migrateJournal', () => {
  it('refuses a journal a newer Baton upgraded between the first look and the migration, migrating nothing', () => {
    // Another process migrates the file to a newer schema between the two reads of its version.
    const versions = [0, sqliteSchemaVersion + 1];
    const executed: string[] = [];
    const database = {
      pragma: (command: string) => {
        if (command !== 'user_version') executed.push(command);
        return versions.shift();
      },
      exec: (sql: string) => executed.push(sql),
      prepare: () => ({ run: () => executed.push('record') }),
      transaction: (work: () => void) => ({ immediate: work }),
    } as unknown as Database.Database;
    let error: unknown;
    try {
      migrateJournal(database, path);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toMatchObject({
      code: 'STORE_UNAVAILABLE',
      details: { path, schemaVersion: sqliteSchemaVersion + 1, supportedSchemaVersion: sqliteSchemaVersion },
    });
    expect((error as BatonError).message).toContain(`schema version ${sqliteSchemaVersion + 1}`);
    expect((error as BatonError).hint).toMatch(/upgrade Baton/i);
    expect(executed).toEqual([]);
  });

  it('leaves a journal another process migrated in the meantime as it is', () => {
    const versions = [0, sqliteSchemaVersion];
    const executed: string[] = [];
    const database = {
      pragma: (command: string) => {
        if (command !== 'user_version') executed.push(command);
        return versions.shift();
      },
      exec: (sql: string) => executed.push(sql),
      prepare: () => ({ run: () => executed.push('record') }),
      transaction: (work: () => void) => ({ immediate: work }),
    } as unknown as Database.Database;
    migrateJournal(database, path);
    expect(executed).toEqual([`user_version = ${sqliteSchemaVersion}`]);
  });
});
