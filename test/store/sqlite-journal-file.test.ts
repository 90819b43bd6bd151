import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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

  it('rejects calls after close with STORE_UNAVAILABLE', async () => {
    const store = new SqliteStore(join(directory, 'baton.db'));
    await store.close();
    await expect(store.getRun('run_1')).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      hint: expect.stringMatching(/closed/),
    });
  });
});
