import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { describeStoreContract } from '../../src/testing/store-contract.js';

describeStoreContract({
  name: 'MemoryStore',
  createStore: () => new MemoryStore(),
});
