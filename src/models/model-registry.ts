import { resolve } from 'node:path';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { type Clock, type ModelResolver, type ResolvedModel, systemClock } from '../core/index.js';
import { checkAliases, expandAlias } from './aliases.js';
import {
  chooseDefaultModel,
  type DefaultModelDescription,
  localModelPath,
  modelNameOf,
} from './default-model.js';
import { modelCacheDirectory } from './model-cache.js';
import type { ModelConfig } from './model-config.js';
import { configInvalid, missingApiKey, modelNotFound } from './model-errors.js';
import { parseModelName } from './model-name.js';
import { pricingOf } from './pricing.js';
import {
  apiKeyOf,
  createProviderModel,
  keyVariableOf,
  needsApiKey,
  settleProviders,
} from './provider-models.js';
import { processRateLimiters, type RateLimiterPool } from './rate-limiter.js';
import { createResilientModel, type ModelRetry } from './resilient-model.js';

export interface ModelRegistryOptions {
  /** Where keys, base URLs, BATON_MODEL and BATON_LOCAL_MODEL are read. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** The directory relative GGUF paths are resolved against. Default `process.cwd()`. */
  cwd?: string;
  /** Time for backoff, timeouts, rate limits and mock latency. */
  clock?: Clock;
  /** Random numbers in [0, 1) for the backoff jitter. */
  random?: () => number;
  /** Rate limiters to draw from. Default: the ones shared by the whole process. */
  rateLimiters?: RateLimiterPool;
  /** The fetch of HTTP providers, e.g. to add a proxy. */
  fetch?: typeof globalThis.fetch;
  /** Called before a model call waits to try again. */
  onRetry?: (retry: ModelRetry & { stepPath: string }) => void;
}

/** A {@link ModelResolver} over configured providers and aliases. */
export interface ModelRegistry extends ModelResolver {
  /**
   * The models an alias stands for, in fallback order, aliases inside it expanded; a name that is
   * no alias gives itself, undefined or `default` the default model's. `resolve()` of an alias
   * with a list resolves only its first entry: the engine walks the chain and resolves the next
   * entry when one fails.
   */
  aliasChain(name: string | undefined): string[];
  /** Which model a step without one gets, and why. */
  describeDefault(): DefaultModelDescription;
  /** Configured alias names. */
  readonly aliases: readonly string[];
  /** Known provider names, built-in and configured. */
  readonly providers: readonly string[];
}

const defaultTimeoutMs = 120_000;
/** A local model answers on this machine's CPU: slower than an API, but a call never takes this long. */
const defaultLocalTimeoutMs = 600_000;

/**
 * Creates the model resolver of the engine: names are `provider:model` (`openai:gpt-4o-mini`,
 * `ollama:llama3.2`, `local:qwen2.5-0.5b-instruct-q4_k_m`, `mock:fast?latencyMs=200`) or aliases.
 * Every resolved model retries, times out and is rate limited per provider, and carries its
 * price. Mistakes in aliases or providers fail here, not in the middle of a run.
 *
 * @example
 * ```ts
 * const { config } = await loadModelConfig(process.cwd());
 * const models = createModelRegistry(config);
 * console.log(models.describeDefault().message);
 * const baton = createBaton({ models });
 * ```
 */
export function createModelRegistry(
  config: ModelConfig = {},
  options: ModelRegistryOptions = {},
): ModelRegistry {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const clock = options.clock ?? systemClock;
  const pool = options.rateLimiters ?? processRateLimiters;
  const providers = settleProviders(config.providers);
  const providerNames = [...providers.keys()];
  const aliases = config.aliases ?? {};
  const aliasNames = Object.keys(aliases);
  checkAliases(aliases, providerNames);
  const cacheDirectory = config.cacheDirectory ?? modelCacheDirectory(env);
  const configuredLocal = env.BATON_LOCAL_MODEL ? resolve(cwd, env.BATON_LOCAL_MODEL) : undefined;
  const defaultModel = chooseDefaultModel(config, { env, cacheDirectory, cwd });
  checkDefault(defaultModel, aliases, providerNames);
  const baseModels = new Map<string, LanguageModelV4>();
  const known = { aliases: aliasNames, providers: providerNames };
  // `default` is the default model unless an alias of that name says otherwise, so workflows can
  // name it (`model: default`) whichever way it was chosen.
  const expandName = (name: string): string[] =>
    name === 'default' && !Object.hasOwn(aliases, 'default') && defaultModel.name !== 'default'
      ? expandAlias(defaultModel.name, aliases)
      : expandAlias(name, aliases);

  return {
    aliases: aliasNames,
    providers: providerNames,
    aliasChain: (name) => expandName(name ?? defaultModel.name),
    describeDefault: () => defaultModel,
    resolve(name, stepPath, hooks): ResolvedModel {
      const requested = name ?? defaultModel.name;
      const first = expandName(requested)[0] ?? requested;
      const parsed = parseModelName(first);
      if (!parsed) throw modelNotFound(requested, stepPath, known);
      const entry = providers.get(parsed.provider);
      if (!entry)
        throw modelNotFound(
          requested,
          stepPath,
          known,
          `the provider "${parsed.provider}" is not configured`,
        );
      if (entry.type !== 'mock' && Object.keys(parsed.options).length > 0) {
        throw modelNotFound(requested, stepPath, known, 'only mock models take options after "?"');
      }
      let modelId = parsed.modelId;
      let modelPath: string | undefined;
      if (entry.type === 'local') {
        modelPath = localModelPath(modelId, {
          configured: entry.modelPath ? resolve(cwd, entry.modelPath) : configuredLocal,
          cacheDirectory,
          cwd,
        });
        if (!modelPath) {
          throw modelNotFound(
            requested,
            stepPath,
            known,
            `no GGUF file "${modelId}" was found (looked in ${cacheDirectory})`,
          );
        }
        if (modelId === '' || modelId === 'default') modelId = modelNameOf(modelPath);
      }
      const id = `${parsed.provider}:${modelId}`;
      if (needsApiKey(entry) && !apiKeyOf(entry, env)) {
        throw missingApiKey({
          model: id,
          provider: entry.name,
          variable: keyVariableOf(entry) ?? 'the key',
          stepPath,
        });
      }
      let base = baseModels.get(first);
      if (!base) {
        base = createProviderModel(entry, modelId, {
          env,
          clock,
          options: parsed.options,
          ...(modelPath ? { modelPath } : {}),
          ...(options.fetch ? { fetch: options.fetch } : {}),
        });
        baseModels.set(first, base);
      }
      const model = createResilientModel(base, {
        id,
        stepPath,
        provider: entry.name,
        retry: { ...config.retry, ...entry.retry },
        timeoutMs:
          entry.timeoutMs ??
          config.timeoutMs ??
          (entry.type === 'local' ? defaultLocalTimeoutMs : defaultTimeoutMs),
        clock,
        ...(entry.rateLimit
          ? { limiter: pool.get(`${entry.name} ${entry.baseURL ?? ''}`, entry.rateLimit, clock) }
          : {}),
        ...(options.random ? { random: options.random } : {}),
        ...(options.onRetry || hooks?.onRetry
          ? {
              onRetry: (retry: ModelRetry) => {
                options.onRetry?.({ ...retry, stepPath });
                hooks?.onRetry?.(retry);
              },
            }
          : {}),
      });
      const pricing = pricingOf(id, {
        ...(config.pricing ? { overrides: config.pricing } : {}),
        type: entry.type,
      });
      return pricing ? { id, model, pricing } : { id, model };
    },
  };
}

function checkDefault(
  defaultModel: DefaultModelDescription,
  aliases: Readonly<Record<string, string | string[]>>,
  providers: readonly string[],
): void {
  if (defaultModel.source !== 'config' && defaultModel.source !== 'environment') return;
  for (const name of expandAlias(defaultModel.name, aliases)) {
    const parsed = parseModelName(name);
    if (parsed && providers.includes(parsed.provider)) continue;
    const where = defaultModel.source === 'config' ? 'models.default' : 'BATON_MODEL';
    throw configInvalid(
      `${where} is "${defaultModel.name}", which is neither an alias nor provider:model of a known provider.`,
      {
        hint: `Aliases: ${Object.keys(aliases).join(', ') || 'none'}. Providers: ${providers.join(', ')}.`,
      },
    );
  }
}
