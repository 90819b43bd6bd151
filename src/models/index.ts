/**
 * Baton's model layer: providers and aliases from `baton.config.yaml`, retries that honour
 * Retry-After, per-provider rate limits, prices, a local GGUF model and a mock model, all as AI SDK
 * language models.
 * @module
 */
export { expandAlias } from './aliases.js';
export type { DefaultModelDescription } from './default-model.js';
export { estimateTokens } from './estimate-tokens.js';
export {
  type JsonSchemaDefinition,
  type JsonSchemaNode,
  sampleFromJsonSchema,
} from './json-schema-sample.js';
export { disposeLocalModels, type LlamaSettings } from './llama-runtime.js';
export { type LoadedModelConfig, loadModelConfig, parseModelConfigYaml } from './load-model-config.js';
export { createLocalModel, type LocalModelOptions } from './local-model.js';
export { createMockModel, type MockModelOptions } from './mock-model.js';
export { modelCacheDirectory, recommendedModelUrl } from './model-cache.js';
export {
  checkModelConfig,
  type ModelConfig,
  type ModelConfigProblem,
  type ProviderConfig,
  type ProviderType,
  type RateLimits,
  type RetryOptions,
} from './model-config.js';
export { type ModelName, parseModelName } from './model-name.js';
export { createModelRegistry, type ModelRegistry, type ModelRegistryOptions } from './model-registry.js';
export { defaultPricing, pricingOf } from './pricing.js';
export { type PullModelOptions, type PullProgress, pullModel } from './pull-model.js';
export {
  RateLimiter,
  RateLimiterPool,
  type RatePermit,
  type SharedRateBudget,
  SharedRateLimiter,
} from './rate-limiter.js';
export { createResilientModel, type ModelRetry, type ResilienceOptions } from './resilient-model.js';
