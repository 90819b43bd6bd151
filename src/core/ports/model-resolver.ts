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
}

/** Turns a step's model name (an alias, `provider:model`, or none for the default) into a model. */
export interface ModelResolver {
  resolve(name: string | undefined, stepPath: string): ResolvedModel;
}
