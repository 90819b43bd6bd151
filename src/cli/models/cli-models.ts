import type { LanguageModelV4 } from '@ai-sdk/provider';
import type { ModelPricing, ModelResolver, ResolvedModel } from '../../core/index.js';
import {
  createModelRegistry,
  type DefaultModelDescription,
  loadModelConfig,
  type ModelConfig,
  parseModelName,
  pricingOf,
  type RateLimiterPool,
} from '../../models/index.js';

/** One model name the CLI knows, as `baton models` lists it. */
export interface ModelEntry {
  /** An alias, or `(default)` for the model of steps that name none. */
  alias: string;
  /** The models it stands for, in fallback order. */
  chain: string[];
  /** Where it was configured: `--model`, the config file, the environment, or `built-in`. */
  source: string;
}

/** The models a command runs with, and what it can say about them. */
export interface CliModels {
  resolver: ModelResolver;
  entries: ModelEntry[];
  /** The config file read, if any. */
  configFile: string | undefined;
  defaultModel: DefaultModelDescription;
  /** True when no real provider is configured: every model step answers from a mock model. */
  usesMock: boolean;
  /** US dollars per million tokens of a `provider:model`, from the configured and built-in prices. */
  pricing(id: string): ModelPricing | undefined;
  /** The names among these that no alias defines: they stand for the default model (or a mock). */
  undefinedAliases(names: readonly string[]): string[];
  /** The first `provider:model` a step's model name (or the default, for undefined) stands for. */
  idOf(name: string | undefined): string;
  /** Whether a model answers: one call of at most one output token, with a deadline. */
  checkReachable(name: string): Promise<{ reachable: boolean; detail: string }>;
}

const pingTimeoutMs = 15_000;

/**
 * The models of a CLI command: `baton.config.yaml` (or `.ts`) in the working directory, with
 * `--model alias=provider:model` laid over its aliases. When nothing real is configured, every
 * model name a workflow uses answers from a mock model of that name, so a workflow can be tried
 * before any provider is set up.
 *
 * @example
 * ```ts
 * const models = await createCliModels({ cwd: process.cwd(), overrides: { fast: 'openai:gpt-4o-mini' } });
 * createBaton({ models: models.resolver });
 * ```
 */
export async function createCliModels(options: {
  cwd: string;
  overrides: Record<string, string>;
  /** Rate limiters to draw from (a worker's, shared with the other workers). Default: the process's. */
  rateLimiters?: RateLimiterPool | undefined;
}): Promise<CliModels> {
  const { config, file } = await loadModelConfig(options.cwd);
  const merged: ModelConfig = { ...config, aliases: { ...config.aliases, ...options.overrides } };
  const registry = createModelRegistry(merged, {
    cwd: options.cwd,
    ...(options.rateLimiters ? { rateLimiters: options.rateLimiters } : {}),
  });
  const defaultModel = registry.describeDefault();
  const aliasChains = registry.aliases.map((alias) => registry.aliasChain(alias));
  const usesMock =
    defaultModel.source === 'mock' &&
    aliasChains.every((chain) => chain.every((name) => parseModelName(name)?.provider === 'mock'));
  // With no provider configured, a name the workflow uses but nobody defined is a mock of that name.
  const known = (name: string) => registry.aliases.includes(name) || parseModelName(name) !== undefined;
  // With a real default, an alias the workflow names but nobody defined is the default model, so
  // every example runs on the model chosen by models.default, BATON_MODEL or BATON_LOCAL_MODEL.
  const stand = (name: string | undefined) =>
    name === undefined || known(name) ? name : usesMock ? `mock:${name}` : 'default';
  const idOf = (name: string | undefined): string => {
    const chosen = stand(name) ?? defaultModel.name;
    const first = registry.aliasChain(chosen)[0] ?? chosen;
    return first.replace(/\?.*$/, '');
  };
  const resolver: ModelResolver = {
    resolve: (name, stepPath, hooks): ResolvedModel => registry.resolve(stand(name), stepPath, hooks),
    aliasChain: (name) => registry.aliasChain(stand(name)),
  };
  const entries: ModelEntry[] = [
    { alias: '(default)', chain: registry.aliasChain(defaultModel.name), source: defaultModel.source },
    ...registry.aliases.map((alias) => ({
      alias,
      chain: registry.aliasChain(alias),
      source: Object.hasOwn(options.overrides, alias) ? '--model' : (file ?? 'config'),
    })),
  ];
  return {
    resolver,
    entries,
    configFile: file,
    defaultModel,
    usesMock,
    pricing: (id) => pricingOf(id, merged.pricing ? { overrides: merged.pricing } : {}),
    idOf,
    undefinedAliases: (names) => names.filter((name) => !known(name) && name !== 'default'),
    checkReachable: (name) => ping(resolver, name),
  };
}

/** One tiny call: the cheapest proof that the key, the address and the model are right. */
async function ping(resolver: ModelResolver, name: string): Promise<{ reachable: boolean; detail: string }> {
  const started = Date.now();
  let resolved: ResolvedModel;
  try {
    resolved = resolver.resolve(name, 'baton models');
  } catch (error) {
    return { reachable: false, detail: (error as Error).message };
  }
  if (typeof resolved.model === 'string')
    return { reachable: false, detail: 'a plain model id cannot be called directly' };
  try {
    await (resolved.model as LanguageModelV4).doGenerate({
      prompt: [{ role: 'user', content: [{ type: 'text', text: 'Reply with OK.' }] }],
      maxOutputTokens: 1,
      abortSignal: AbortSignal.timeout(pingTimeoutMs),
    });
    return { reachable: true, detail: `answered in ${Date.now() - started} ms` };
  } catch (error) {
    return { reachable: false, detail: (error as Error).message.split('\n')[0] ?? 'no answer' };
  }
}
