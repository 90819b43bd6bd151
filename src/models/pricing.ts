import type { ModelPricing } from '../core/index.js';

const price = (
  inputPerMillion: number,
  outputPerMillion: number,
  cachedInputPerMillion?: number,
): ModelPricing =>
  cachedInputPerMillion === undefined
    ? { inputPerMillion, outputPerMillion }
    : { inputPerMillion, outputPerMillion, cachedInputPerMillion };

/**
 * List prices in US dollars per million tokens (input, output, cached input), by `provider:model`.
 * Prices change: override or add any of them under `models.pricing` in baton.config.yaml.
 * `provider:*` prices every model of a provider. Mock models carry a nominal price so demos
 * show costs; local models are free.
 *
 * @example
 * ```ts
 * defaultPricing['openai:gpt-4o-mini']; // { inputPerMillion: 0.15, outputPerMillion: 0.6, cachedInputPerMillion: 0.075 }
 * ```
 */
export const defaultPricing: Readonly<Record<string, ModelPricing>> = {
  'openai:gpt-5': price(1.25, 10, 0.125),
  'openai:gpt-5-mini': price(0.25, 2, 0.025),
  'openai:gpt-5-nano': price(0.05, 0.4, 0.005),
  'openai:gpt-4.1': price(2, 8, 0.5),
  'openai:gpt-4.1-mini': price(0.4, 1.6, 0.1),
  'openai:gpt-4.1-nano': price(0.1, 0.4, 0.025),
  'openai:gpt-4o': price(2.5, 10, 1.25),
  'openai:gpt-4o-mini': price(0.15, 0.6, 0.075),
  'openai:o3': price(2, 8, 0.5),
  'openai:o3-mini': price(1.1, 4.4, 0.55),
  'openai:o4-mini': price(1.1, 4.4, 0.275),
  'anthropic:claude-opus-4-5': price(5, 25, 0.5),
  'anthropic:claude-opus-4-1': price(15, 75, 1.5),
  'anthropic:claude-opus-4-0': price(15, 75, 1.5),
  'anthropic:claude-opus-4': price(15, 75, 1.5),
  'anthropic:claude-sonnet-4-5': price(3, 15, 0.3),
  'anthropic:claude-sonnet-4-0': price(3, 15, 0.3),
  'anthropic:claude-sonnet-4': price(3, 15, 0.3),
  'anthropic:claude-3-7-sonnet': price(3, 15, 0.3),
  'anthropic:claude-3-5-sonnet': price(3, 15, 0.3),
  'anthropic:claude-haiku-4-5': price(1, 5, 0.1),
  'anthropic:claude-3-5-haiku': price(0.8, 4, 0.08),
  'anthropic:claude-3-haiku': price(0.25, 1.25, 0.03),
  'together:meta-llama/Llama-3.3-70B-Instruct-Turbo': price(0.88, 0.88),
  'together:meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo': price(0.18, 0.18),
  'together:meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo': price(0.88, 0.88),
  'together:meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo': price(3.5, 3.5),
  'together:meta-llama/Llama-4-Maverick-17B-128E-Instruct-FP8': price(0.27, 0.85),
  'together:meta-llama/Llama-4-Scout-17B-16E-Instruct': price(0.18, 0.59),
  'together:Qwen/Qwen2.5-72B-Instruct-Turbo': price(1.2, 1.2),
  'together:Qwen/Qwen2.5-7B-Instruct-Turbo': price(0.3, 0.3),
  'together:deepseek-ai/DeepSeek-V3': price(1.25, 1.25),
  'together:deepseek-ai/DeepSeek-R1': price(3, 7),
  'together:mistralai/Mixtral-8x7B-Instruct-v0.1': price(0.6, 0.6),
  // Mock models cost like the tiers their names suggest, so a routing demo shows a difference.
  'mock:fast': price(1, 5, 0.1),
  'mock:smart': price(3, 15, 0.3),
  'mock:*': price(0.15, 0.6, 0.075),
  'local:*': price(0, 0),
};

/**
 * The price of a model: configured prices first, then the built-in table. A dated snapshot
 * (`gpt-4o-2024-08-06`, `claude-sonnet-4-5-20250929`) or a `-latest` name costs what its base
 * model costs; `type` lets a provider configured under another name (`openai-eu`) use the prices
 * of the API it speaks.
 *
 * @example
 * ```ts
 * pricingOf('openai:gpt-4o-mini-2024-07-18'); // { inputPerMillion: 0.15, outputPerMillion: 0.6, cachedInputPerMillion: 0.075 }
 * ```
 */
export function pricingOf(
  id: string,
  options: { overrides?: Readonly<Record<string, ModelPricing>>; type?: string } = {},
): ModelPricing | undefined {
  const colon = id.indexOf(':');
  const provider = id.slice(0, colon);
  const modelId = id.slice(colon + 1);
  const providers = options.type && options.type !== provider ? [provider, options.type] : [provider];
  const modelIds = [...new Set([modelId, baseModelId(modelId)])];
  for (const table of [options.overrides ?? {}, defaultPricing]) {
    for (const name of providers) {
      for (const candidate of modelIds) {
        const found = table[`${name}:${candidate}`];
        if (found) return found;
      }
      const wildcard = table[`${name}:*`];
      if (wildcard) return wildcard;
    }
  }
  return undefined;
}

function baseModelId(modelId: string): string {
  return modelId
    .replace(/-latest$/, '')
    .replace(/-\d{4}-\d{2}-\d{2}$/, '')
    .replace(/-\d{8}$/, '');
}
