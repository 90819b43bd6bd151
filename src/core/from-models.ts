import type { LanguageModel } from 'ai';
import { BatonError } from './errors.js';
import type { ModelPricing, ModelResolver } from './ports/model-resolver.js';

/** Models by name, each bare or with its price. A model's own `cacheScope` string is kept. */
export type ModelsByName = Record<string, LanguageModel | { model: LanguageModel; pricing?: ModelPricing }>;

/**
 * A resolver over a fixed set of named models; a step without a model gets the first.
 *
 * @example
 * ```ts
 * const models = fromModels({ fast: openai('gpt-4o-mini') });
 * models.resolve(undefined, 'ask').id; // 'openai.chat:gpt-4o-mini'
 * ```
 */
export function fromModels(models: ModelsByName): ModelResolver {
  const names = Object.keys(models);
  return {
    resolve(name, stepPath) {
      const key = name ?? names[0];
      const entry = key === undefined ? undefined : models[key];
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
      const cacheScope = (resolved.model as { cacheScope?: unknown }).cacheScope;
      return {
        id,
        model: resolved.model,
        ...(resolved.pricing ? { pricing: resolved.pricing } : {}),
        ...(typeof cacheScope === 'string' ? { cacheScope } : {}),
      };
    },
  };
}
