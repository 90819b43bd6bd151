import type { LanguageModel } from 'ai';

/** US dollars per million tokens. */
export interface ModelPricing {
  inputPerMillion: number;
  outputPerMillion: number;
  cachedInputPerMillion?: number;
}

export interface ResolvedModel {
  /** `provider:model`, as journaled and priced. */
  id: string;
  model: LanguageModel;
  pricing?: ModelPricing;
  /**
   * Separates this model's cached answers from those of other models with the same id, e.g. two
   * scripted models whose answers come from different scripts. Default: the id alone.
   */
  cacheScope?: string;
}

/** What the engine wants to hear from a resolved model while it works. */
export interface ResolveHooks {
  /** Called before the model layer waits to try a failed call again. */
  onRetry?(retry: { model: string; retry: number; delayMs: number; error: unknown }): void;
}

/** Turns a step's model name (an alias, `provider:model`, or none for the default) into a model. */
export interface ModelResolver {
  resolve(name: string | undefined, stepPath: string, hooks?: ResolveHooks): ResolvedModel;
  /**
   * The names a step's model name stands for, in fallback order (an alias of several models, with
   * aliases inside it expanded); undefined asks for the default model's. The engine tries them in
   * turn. Without this method a name stands for itself.
   */
  aliasChain?(name: string | undefined): string[];
}
