import type { LanguageModelV4 } from '@ai-sdk/provider';
import type { Clock } from '../core/index.js';
import { deferModel } from './deferred-model.js';
import { createLocalModel } from './local-model.js';
import { createMockModel } from './mock-model.js';
import type { ProviderConfig, ProviderType } from './model-config.js';
import { configInvalid } from './model-errors.js';
import { currentPermit, watchSentRequests } from './rate-limiter.js';

const providerTypes = 'openai, anthropic, together, openai-compatible, local or mock';

/** A provider with its type settled. */
export interface ProviderEntry extends ProviderConfig {
  name: string;
  type: ProviderType;
}

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Providers that exist without configuration. The local servers are reached on their usual
 * loopback ports; configure `baseURL` for another address.
 */
export const builtInProviders: Readonly<Record<string, ProviderConfig & { type: ProviderType }>> = {
  openai: { type: 'openai' },
  anthropic: { type: 'anthropic' },
  together: { type: 'together' },
  ollama: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:11434/v1' },
  lmstudio: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:1234/v1' },
  vllm: { type: 'openai-compatible', baseURL: 'http://127.0.0.1:8000/v1' },
  local: { type: 'local' },
  mock: { type: 'mock' },
};

/** The environment variables of each hosted API: its key, and an optional base URL. */
export const providerEnvironment: Readonly<
  Partial<Record<ProviderType, { apiKey: string; baseURL: string }>>
> = {
  openai: { apiKey: 'OPENAI_API_KEY', baseURL: 'OPENAI_BASE_URL' },
  anthropic: { apiKey: 'ANTHROPIC_API_KEY', baseURL: 'ANTHROPIC_BASE_URL' },
  together: { apiKey: 'TOGETHER_API_KEY', baseURL: 'TOGETHER_BASE_URL' },
};

/**
 * Settles each configured provider on top of the built-in ones: a provider named after a type
 * (or a built-in) needs no `type`, and one with only a `baseURL` is OpenAI-compatible.
 */
export function settleProviders(
  configured: Readonly<Record<string, ProviderConfig>> = {},
): Map<string, ProviderEntry> {
  const entries = new Map<string, ProviderEntry>();
  for (const [name, builtIn] of Object.entries(builtInProviders)) entries.set(name, { ...builtIn, name });
  for (const [name, config] of Object.entries(configured)) {
    const base = Object.hasOwn(builtInProviders, name) ? builtInProviders[name] : undefined;
    const type = config.type ?? base?.type ?? (config.baseURL ? 'openai-compatible' : undefined);
    if (type === undefined) {
      throw configInvalid(`Provider "${name}" in models.providers has neither a type nor a baseURL.`, {
        hint: `Set type (${providerTypes}), or a baseURL for an OpenAI-compatible server.`,
      });
    }
    const entry: ProviderEntry = { ...(base?.type === type ? base : {}), ...config, type, name };
    if (type === 'openai-compatible' && !entry.baseURL) {
      throw configInvalid(`Provider "${name}" is OpenAI-compatible but has no baseURL.`, {
        hint: `Set models.providers.${name}.baseURL, e.g. http://127.0.0.1:11434/v1 for Ollama.`,
      });
    }
    entries.set(name, entry);
  }
  return entries;
}

/** The key of a provider: its config, else its variable. Undefined when it needs one and has none. */
export function apiKeyOf(entry: ProviderEntry, env: Environment): string | undefined {
  if (entry.apiKey) return entry.apiKey;
  const variable = keyVariableOf(entry);
  return variable ? env[variable] || undefined : undefined;
}

/** The variable a provider's key is read from, or undefined when it needs none. */
export function keyVariableOf(entry: ProviderEntry): string | undefined {
  return entry.apiKeyEnv ?? providerEnvironment[entry.type]?.apiKey;
}

/** Whether calls fail without a key: hosted APIs do; local servers and in-process models do not. */
export function needsApiKey(entry: ProviderEntry): boolean {
  return entry.type === 'openai' || entry.type === 'anthropic' || entry.type === 'together';
}

export interface ModelSettings {
  env: Environment;
  clock: Clock;
  /** The GGUF file, already resolved, for the local provider. */
  modelPath?: string;
  /** Options after `?` in the model name. */
  options: Record<string, string>;
  fetch?: typeof globalThis.fetch;
}

/**
 * The provider's own model, before Baton's retries and limits are put around it. Provider SDKs
 * are imported on the first call.
 */
export function createProviderModel(
  entry: ProviderEntry,
  modelId: string,
  settings: ModelSettings,
): LanguageModelV4 {
  const { env } = settings;
  const apiKey = apiKeyOf(entry, env);
  const baseURL =
    entry.baseURL ??
    (providerEnvironment[entry.type] ? env[providerEnvironment[entry.type]?.baseURL ?? ''] : undefined);
  const send = settings.fetch ?? globalThis.fetch;
  const common = {
    ...(apiKey ? { apiKey } : {}),
    ...(baseURL ? { baseURL } : {}),
    ...(entry.headers ? { headers: entry.headers } : {}),
    // Tells the rate limiter when the request really goes out (see RatePermit.markSent).
    fetch: ((input, init) => {
      watchSentRequests();
      currentPermit.getStore()?.markSent();
      return send(input, init);
    }) as typeof globalThis.fetch,
  };
  switch (entry.type) {
    case 'openai':
      return deferModel(entry.name, modelId, async () => {
        const provider = (await import('@ai-sdk/openai')).createOpenAI({ ...common, name: entry.name });
        return entry.api === 'responses' ? provider.responses(modelId) : provider.chat(modelId);
      });
    case 'anthropic':
      return deferModel(entry.name, modelId, async () =>
        (await import('@ai-sdk/anthropic')).createAnthropic(common)(modelId),
      );
    case 'together':
      return deferModel(entry.name, modelId, async () =>
        (await import('@ai-sdk/togetherai')).createTogetherAI(common)(modelId),
      );
    case 'openai-compatible':
      return deferModel(entry.name, modelId, async () =>
        (await import('@ai-sdk/openai-compatible'))
          .createOpenAICompatible({
            ...common,
            name: entry.name,
            baseURL: baseURL ?? '',
            includeUsage: true,
            supportsStructuredOutputs: true,
          })
          .chatModel(modelId),
      );
    case 'local':
      return createLocalModel({
        modelPath: settings.modelPath ?? modelId,
        name: modelId,
        ...(entry.contextSize !== undefined ? { contextSize: entry.contextSize } : {}),
        ...(entry.threads !== undefined ? { threads: entry.threads } : {}),
        ...(entry.gpu !== undefined ? { gpu: entry.gpu } : {}),
        ...(entry.maxOutputTokens !== undefined ? { maxOutputTokens: entry.maxOutputTokens } : {}),
        ...(entry.stopSequences !== undefined ? { stopSequences: entry.stopSequences } : {}),
      });
    case 'mock': {
      const latency = Number(settings.options.latencyMs ?? entry.latencyMs ?? 0);
      const chunkDelay = Number(settings.options.chunkDelayMs ?? entry.chunkDelayMs ?? 0);
      const failures = settings.options.fail?.split(',') ?? entry.failures;
      return createMockModel({
        name: modelId,
        latencyMs: Number.isFinite(latency) ? latency : 0,
        chunkDelayMs: Number.isFinite(chunkDelay) ? chunkDelay : 0,
        clock: settings.clock,
        ...(failures ? { failures } : {}),
      });
    }
  }
}
