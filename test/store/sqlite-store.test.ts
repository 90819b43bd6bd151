import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Store } from '../../src/core/index.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { describeStoreContract } from '../../src/testing/store-contract.js';

describeStoreContract({
  name: 'SqliteStore',
  createStore: () => new SqliteStore(join(mkdtempSync(join(tmpdir(), 'baton-sqlite-')), 'baton.db')),
  async destroyStore(store: Store) {
    await store.close?.();
    rmSync(dirname((store as SqliteStore).path), { recursive: true, force: true });
  },
});
