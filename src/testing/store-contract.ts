import { afterEach, beforeEach, describe } from 'vitest';
import type { Store } from '../core/index.js';
import { cacheTests } from './store-contract-cache.js';
import { eventTests } from './store-contract-events.js';
import {
  createRunTests,
  fencingTests,
  leaseTests,
  listRunsTests,
  updateRunTests,
} from './store-contract-runs.js';
import {
  attemptTests,
  decisionTests,
  definitionSourceTests,
  subCallTests,
  writeStepTests,
} from './store-contract-steps.js';
import type { StoreSubject } from './store-fixtures.js';

/** The groups of the contract, by the methods they cover. */
export type StoreContractGroup =
  | 'createRun'
  | 'updateRun'
  | 'listRuns'
  | 'writeStep'
  | 'attempts'
  | 'subCalls'
  | 'decisions'
  | 'leases'
  | 'fencing'
  | 'cache'
  | 'definitionSources'
  | 'events';

export interface StoreContractOptions {
  /** Names the store in the test report. */
  name: string;
  /** A new, empty store: called before every test. */
  createStore(): Store | Promise<Store>;
  /** Closes the store and removes what it created: called after every test. */
  destroyStore?(store: Store): void | Promise<void>;
  /**
   * Groups this store leaves out, each with the reason: a store without `claimRun`/`releaseRun`
   * skips `leases` and `fencing`, one without `readCache`/`writeCache` skips `cache`, one without
   * `rememberDefinitionSource`/`definitionSource` skips `definitionSources`.
   */
  skip?: ReadonlyArray<{ reason: string; groups: readonly StoreContractGroup[] }>;
}

/**
 * The conformance suite of the `Store` port: every adapter runs it, so the engine behaves the
 * same on any of them. Call it at the top level of a test file.
 *
 * @example
 * ```ts
 * import { describeStoreContract } from 'baton/testing/store-contract';
 * describeStoreContract({
 *   name: 'MemoryStore',
 *   createStore: () => new MemoryStore(),
 * });
 * ```
 */
export function describeStoreContract(options: StoreContractOptions): void {
  describe(`${options.name} implements the Store contract`, () => {
    let store: Store | undefined;
    beforeEach(async () => {
      store = await options.createStore();
    });
    afterEach(async () => {
      if (store) await options.destroyStore?.(store);
      store = undefined;
    });
    const subject: StoreSubject = () => {
      if (!store) throw new TypeError('The store is only available inside a test.');
      return store;
    };
    for (const [group, tests] of Object.entries(storeContractGroups)) {
      const skipped = options.skip?.find((entry) => entry.groups.includes(group as StoreContractGroup));
      if (skipped) describe.skip(`${group} (left out: ${skipped.reason})`, () => tests(subject));
      else describe(group, () => tests(subject));
    }
  });
}

/** Every group of the contract, by name. */
export const storeContractGroups: Record<StoreContractGroup, (subject: StoreSubject) => void> = {
  createRun: createRunTests,
  updateRun: updateRunTests,
  listRuns: listRunsTests,
  writeStep: writeStepTests,
  attempts: attemptTests,
  subCalls: subCallTests,
  decisions: decisionTests,
  leases: leaseTests,
  fencing: fencingTests,
  cache: cacheTests,
  definitionSources: definitionSourceTests,
  events: eventTests,
};

export type { StoreSubject };
export {
  attemptTests,
  cacheTests,
  createRunTests,
  decisionTests,
  definitionSourceTests,
  eventTests,
  fencingTests,
  leaseTests,
  listRunsTests,
  subCallTests,
  updateRunTests,
  writeStepTests,
};
