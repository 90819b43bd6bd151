import { z } from 'zod';
import type { ModelPricing } from '../core/index.js';

/** How a provider is reached. A provider named after a type (`openai`, `mock`, ...) needs no `type`. */
export type ProviderType = 'openai' | 'anthropic' | 'together' | 'openai-compatible' | 'local' | 'mock';

/** Limits one provider's calls from every run in the process, so bursts wait instead of provoking 429s. */
export interface RateLimits {
  requestsPerMinute?: number;
  /** Input and output tokens per minute; a call is counted by an estimate from its prompt, then by its usage. */
  tokensPerMinute?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /**
   * The length of the provider's "minute" in milliseconds: the window `requestsPerMinute` and
   * `tokensPerMinute` are counted over. Default 60,000; set it to the provider's own window if it
   * counts per second or per hour (e.g. 1,000 with the per-second limit in `requestsPerMinute`).
   */
  windowMs?: number;
  /**
   * How long after Baton starts a request it may take to reach the server. A request counts from
   * then (or from its end, if sooner) until a window later. Default 1% of the window, at least
   * 200 ms; raise it for slow uplinks or a busy process.
   */
  sendAllowanceMs?: number;
}

/** Retries of one model call on 429, 5xx, timeouts and connection errors. */
export interface RetryOptions {
  /** Retries after the first attempt. Default 3. */
  maxRetries?: number;
  /** The first backoff ceiling; each retry doubles it (full jitter: the wait is random below it). Default 1,000. */
  initialDelayMs?: number;
  /** The largest backoff ceiling. Default 30,000. */
  maxDelayMs?: number;
  backoffFactor?: number;
  /** A Retry-After longer than this is not waited for: the error goes to the caller at once. Default 60,000. */
  maxRetryAfterMs?: number;
}

export interface ProviderConfig {
  type?: ProviderType;
  apiKey?: string;
  /** The environment variable holding the key, when not the provider's usual one. */
  apiKeyEnv?: string;
  baseURL?: string;
  headers?: Record<string, string>;
  /** OpenAI only: the chat completions API (default, what compatible servers speak) or the responses API. */
  api?: 'chat' | 'responses';
  rateLimit?: RateLimits;
  retry?: RetryOptions;
  /** Milliseconds one attempt may take (a stream: between two chunks); 0 disables. Default 120,000. */
  timeoutMs?: number;
  /** Mock only: milliseconds before answering. */
  latencyMs?: number;
  /** Mock only: milliseconds between two streamed words of an answer. */
  chunkDelayMs?: number;
  /** Mock only: faults for the first calls (`429:2`, `500`, `timeout`); `mock:x?fail=429:2,500` too. */
  failures?: string[];
  /** Local only: the GGUF file used by `local` or `local:default`. */
  modelPath?: string;
  /** Local only: context window in tokens. */
  contextSize?: number;
  /** Local only: CPU threads. Default: one less than the cores, at least one. */
  threads?: number;
  /** Local only: use a GPU (Metal, CUDA, Vulkan) when node-llama-cpp has a build for it. Default false. */
  gpu?: boolean;
  /** Local only: output tokens of a step that sets no `maxOutputTokens`. Default 512. */
  maxOutputTokens?: number;
  /** Local only: text that ends an answer, besides the chat template's end of turn. */
  stopSequences?: string[];
}

/**
 * The model layer's settings: the `models` section of `baton.config.yaml`, or of the object a
 * `baton.config.ts` exports.
 */
export interface ModelConfig {
  /** The model (or alias) of steps that name none. */
  default?: string;
  /** Short names for models; a list is a fallback chain, tried in order by the engine. */
  aliases?: Record<string, string | string[]>;
  providers?: Record<string, ProviderConfig>;
  /** Prices by model id (`openai:gpt-4o-mini`), over the built-in table. */
  pricing?: Record<string, ModelPricing>;
  /** Retry settings of every provider, under each provider's own. */
  retry?: RetryOptions;
  timeoutMs?: number;
  /** Where downloaded GGUF models live. Default `~/.cache/baton/models`. */
  cacheDirectory?: string;
}

const count = z.number().int().nonnegative();
const positive = z.number().positive();

const retrySchema = z.strictObject({
  maxRetries: count.optional(),
  initialDelayMs: count.optional(),
  maxDelayMs: count.optional(),
  backoffFactor: z.number().min(1).optional(),
  maxRetryAfterMs: count.optional(),
});

const providerSchema = z.strictObject({
  type: z.enum(['openai', 'anthropic', 'together', 'openai-compatible', 'local', 'mock']).optional(),
  apiKey: z.string().min(1).optional(),
  apiKeyEnv: z.string().min(1).optional(),
  baseURL: z.url().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  api: z.enum(['chat', 'responses']).optional(),
  rateLimit: z
    .strictObject({
      requestsPerMinute: positive.optional(),
      tokensPerMinute: positive.optional(),
      concurrency: z.number().int().positive().optional(),
      windowMs: positive.optional(),
      sendAllowanceMs: count.optional(),
    })
    .optional(),
  retry: retrySchema.optional(),
  timeoutMs: count.optional(),
  latencyMs: count.optional(),
  chunkDelayMs: count.optional(),
  failures: z.array(z.string().regex(/^(\d{3}(:\d+(\.\d+)?)?|timeout)$/)).optional(),
  modelPath: z.string().min(1).optional(),
  contextSize: z.number().int().positive().optional(),
  threads: z.number().int().positive().optional(),
  gpu: z.boolean().optional(),
  maxOutputTokens: z.number().int().positive().optional(),
  stopSequences: z.array(z.string().min(1)).optional(),
});

const modelName = z.string().min(1);

const modelConfigSchema = z.strictObject({
  default: modelName.optional(),
  aliases: z.record(z.string(), z.union([modelName, z.array(modelName).min(1)])).optional(),
  providers: z.record(z.string(), providerSchema).optional(),
  pricing: z
    .record(
      z.string(),
      z.strictObject({
        inputPerMillion: z.number().nonnegative(),
        outputPerMillion: z.number().nonnegative(),
        cachedInputPerMillion: z.number().nonnegative().optional(),
      }),
    )
    .optional(),
  retry: retrySchema.optional(),
  timeoutMs: count.optional(),
  cacheDirectory: z.string().min(1).optional(),
});

/** One problem in a model config, at a path below `models`. */
export interface ModelConfigProblem {
  path: Array<string | number>;
  message: string;
}

/**
 * Checks a `models` section. Unknown keys are problems, so a misspelt `ratelimit` does not
 * silently leave a provider unlimited.
 *
 * @example
 * ```ts
 * const result = checkModelConfig({ aliases: { fast: 'openai:gpt-4o-mini' } });
 * if (result.problems.length === 0) createModelRegistry(result.config);
 * ```
 */
export function checkModelConfig(value: unknown): { config: ModelConfig; problems: ModelConfigProblem[] } {
  const parsed = modelConfigSchema.safeParse(value ?? {});
  if (parsed.success) return { config: parsed.data as ModelConfig, problems: [] };
  return {
    config: {},
    problems: parsed.error.issues.map((issue) => {
      const path = issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key));
      // Point at the misspelt key itself rather than at the object holding it.
      if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) {
        return { path: [...path, issue.keys[0]], message: `unknown setting "${issue.keys[0]}"` };
      }
      return { path, message: issue.message };
    }),
  };
}
