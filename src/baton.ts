import {
  createEngine,
  type Engine,
  type EngineOptions,
  fromModels,
  type ModelResolver,
  type ModelsByName,
  type Store,
} from './core/index.js';
import { createModelRegistry } from './models/index.js';
import { createSqliteStore } from './store/sqlite/index.js';

export { fromModels } from './core/index.js';

export interface BatonOptions extends Omit<EngineOptions, 'store' | 'models'> {
  /** Where runs are journaled. Default: SQLite in `.baton/baton.db` under the working directory. */
  store?: Store;
  /**
   * A resolver (such as `createModelRegistry(config)`), or models by name (the first is the
   * default). Default: the registry from environment variables, falling back to a local GGUF model
   * or the offline mock model.
   */
  models?: ModelResolver | ModelsByName;
}

/**
 * The composition root: an engine with Baton's default adapters.
 *
 * @example
 * ```ts
 * const baton = createBaton({ models: { fast: openai('gpt-4o-mini') } });
 * const result = await baton.run(definition, { input: { question: 'How much did Sally earn?' } });
 * ```
 */
export function createBaton(options: BatonOptions = {}): Engine {
  const { store, models, ...rest } = options;
  return createEngine({
    ...rest,
    store: store ?? createSqliteStore(),
    models: models === undefined ? createModelRegistry() : isResolver(models) ? models : fromModels(models),
  });
}

function isResolver(models: NonNullable<BatonOptions['models']>): models is ModelResolver {
  return typeof (models as ModelResolver).resolve === 'function';
}
