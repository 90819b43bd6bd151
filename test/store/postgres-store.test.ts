import type { Store } from '../../src/core/index.js';
import type { PostgresStore } from '../../src/store/postgres/index.js';
import { describeStoreContract } from '../../src/testing/store-contract.js';
import { dropTestStore, openTestStore } from './postgres-fixture.js';

describeStoreContract({
  name: 'PostgresStore',
  createStore: () => openTestStore(import.meta.filename),
  destroyStore: (store: Store) => dropTestStore(store as PostgresStore),
});
