import {
  createEngine,
  type Engine,
  type EngineOptions,
  fromModels,
  type ModelResolver,
  type ModelsByName,
  type Store,
} from '../core/index.js';
import { MemoryStore } from '../store/memory/memory-store.js';

export interface TestBatonOptions extends Omit<EngineOptions, 'store' | 'models'> {
  /** Models by name (the first is the default) or a resolver. */
  models: ModelsByName | ModelResolver;
  /** Default: a new in-memory store, so no test sees another's runs or cached answers. */
  store?: Store;
}

/**
 * An engine for tests: like `createBaton()`, but journaling to a new in-memory store, so tests
 * leave no `.baton/` folder behind and never answer from each other's model cache.
 *
 * @example
 * ```ts
 * const baton = createTestBaton({ models: { default: createScriptedModel(['hello']) } });
 * const result = await baton.run(definition);
 * ```
 */
export function createTestBaton(options: TestBatonOptions): Engine {
  const { store, models, ...rest } = options;
  return createEngine({
    ...rest,
    store: store ?? new MemoryStore(),
    models:
      typeof (models as ModelResolver).resolve === 'function'
        ? (models as ModelResolver)
        : fromModels(models as ModelsByName),
  });
}
