import type { LanguageModel } from 'ai';
import {
  BatonError,
  createEngine,
  type Engine,
  type EngineOptions,
  type ModelPricing,
  type ModelResolver,
  type Store,
} from './core/index.js';
import { createModelRegistry } from './models/index.js';
import { createSqliteStore } from './store/sqlite/index.js';

export interface BatonOptions extends Omit<EngineOptions, 'store' | 'models'> {
  /** Where runs are journaled. Default: SQLite in `.baton/baton.db` under the working directory. */
  store?: Store;
  /**
   * A resolver (such as `createModelRegistry(config)`), or models by name (the first is the
   * default). Default: the registry from environment variables, falling back to a local GGUF model
   * or the offline mock model.
   */
  models?: ModelResolver | Record<string, LanguageModel | { model: LanguageModel; pricing?: ModelPricing }>;
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

/** A resolver over a fixed set of named models; a step without a model gets the first. */
export function fromModels(
  models: Exclude<BatonOptions['models'], ModelResolver | undefined>,
): ModelResolver {
  const names = Object.keys(models);
  return {
    resolve(name, stepPath) {
      const key = name ?? names[0];
      const entry = key === undefined || !Object.hasOwn(models, key) ? undefined : models[key];
      if (entry === undefined) {
        throw new BatonError(
          'MODEL_NOT_FOUND',
          `Step "${stepPath}" asks for model "${name}", which is not configured.`,
          {
            stepPath,
            hint: `Configured models: ${names.join(', ') || 'none'}.`,
          },
        );
      }
      const resolved = typeof entry === 'object' && 'model' in entry ? entry : { model: entry };
      const id =
        typeof resolved.model === 'string'
          ? resolved.model
          : `${resolved.model.provider}:${resolved.model.modelId}`;
      return resolved.pricing
        ? { id, model: resolved.model, pricing: resolved.pricing }
        : { id, model: resolved.model };
    },
  };
}
