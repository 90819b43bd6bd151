import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/core/index.js';
import { SqliteStore, type SqliteStoreOptions } from '../../src/store/sqlite/index.js';
import { describeStoreContract } from '../../src/testing/store-contract.js';

describeStoreContract({
  name: 'SqliteStore',
  createStore: () => new SqliteStore(join(mkdtempSync(join(tmpdir(), 'baton-sqlite-')), 'baton.db')),
  async destroyStore(store: Store) {
    await store.close?.();
    rmSync(dirname((store as SqliteStore).path), { recursive: true, force: true });
  },
});

describe('SqliteStore synchronous', () => {
  const directory = mkdtempSync(join(tmpdir(), 'baton-sqlite-sync-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  /** The connection's `PRAGMA synchronous`: 1 is NORMAL, 2 is FULL. */
  async function synchronousOf(options: SqliteStoreOptions, name: string): Promise<unknown> {
    const store = new SqliteStore(join(directory, name), options);
    try {
      const { database } = store as unknown as {
        database: { pragma(sql: string, options: object): unknown };
      };
      return database.pragma('synchronous', { simple: true });
    } finally {
      await store.close();
    }
  }

  it('syncs at checkpoints (NORMAL) by default', async () => {
    expect(await synchronousOf({}, 'default.db')).toBe(1);
  });

  it('syncs every commit (FULL) when asked', async () => {
    expect(await synchronousOf({ synchronous: 'full' }, 'full.db')).toBe(2);
    expect(await synchronousOf({ synchronous: 'normal' }, 'normal.db')).toBe(1);
  });

  it('refuses another mode, naming the option', () => {
    expect(() => new SqliteStore(join(directory, 'off.db'), { synchronous: 'off' as 'full' })).toThrow(
      expect.objectContaining({ code: 'INPUT_INVALID', message: expect.stringContaining('synchronous') }),
    );
  });
});
