import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteStore, defaultSqlitePath, SqliteStore } from '../../src/store/sqlite/index.js';

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'baton-journal-'));
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

describe('SqliteStore file', () => {
  it('creates the parent directories of its file', async () => {
    const path = join(directory, 'a', 'b', 'runs.db');
    const store = createSqliteStore({ path });
    expect(store.path).toBe(path);
    expect(existsSync(path)).toBe(true);
    await store.close();
  });

  it('defaults to .baton/baton.db under the working directory', () => {
    expect(defaultSqlitePath(directory)).toBe(join(directory, '.baton', 'baton.db'));
    expect(defaultSqlitePath()).toBe(join(process.cwd(), '.baton', 'baton.db'));
  });

  it('puts the database in WAL mode', async () => {
    const path = join(directory, 'baton.db');
    const store = new SqliteStore(path);
    const reader = new Database(path, { readonly: true });
    expect(reader.pragma('journal_mode', { simple: true })).toBe('wal');
    reader.close();
    await store.close();
  });

  it('syncs only at checkpoints, and checkpoints every 4000 pages of log', async () => {
    const store = new SqliteStore(join(directory, 'baton.db'));
    // Per connection, so read through the store's own.
    const connection = (store as unknown as { database: Database.Database }).database;
    expect(connection.pragma('synchronous', { simple: true })).toBe(1);
    expect(connection.pragma('wal_autocheckpoint', { simple: true })).toBe(4000);
    await store.close();
  });

  it('closes its connection when opening fails after the file was opened', async () => {
    const path = join(directory, 'baton.db');
    await new SqliteStore(path).close();
    // A journal at the current schema that lost a table: preparing its statements fails.
    const damaged = new Database(path);
    damaged.exec('DROP TABLE leases');
    damaged.close();
    expect(() => new SqliteStore(path)).toThrow(
      expect.objectContaining({ code: 'STORE_UNAVAILABLE' }) as Error,
    );
    // The last connection to close removes the WAL: none was left open.
    expect(readdirSync(directory)).toEqual(['baton.db']);
  });

  it('rejects calls after close with STORE_UNAVAILABLE', async () => {
    const store = new SqliteStore(join(directory, 'baton.db'));
    await store.close();
    await expect(store.getRun('run_1')).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      hint: expect.stringMatching(/closed/),
    });
  });
});
