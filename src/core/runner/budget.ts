import { BatonError } from '../errors.js';
import type { ModelPricing } from '../ports/model-resolver.js';
import type { Usage } from '../ports/store.js';
import type { RunState } from './run-state.js';

/**
 * Output tokens assumed for a call that sets no `maxOutputTokens`. Generous on purpose: an
 * estimate that is too low lets a run cross its budget, one that is too high only stops it early.
 */
export const defaultOutputTokens = 1024;

/** Providers bill about one token per four characters of English text and JSON. */
const charactersPerToken = 4;

/** The output tokens a call is expected to use: its `maxOutputTokens`, else {@link defaultOutputTokens}. */
export function expectedOutputTokens(maxOutputTokens: number | undefined): number {
  return maxOutputTokens ?? defaultOutputTokens;
}

/** The input tokens of a text, by {@link charactersPerToken}. */
export function expectedInputTokens(text: string): number {
  return Math.ceil(text.length / charactersPerToken);
}

/** What a model call is expected to cost, before it is made. */
export interface CallEstimate {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/**
 * Cost in US dollars of a call's usage; cached input tokens are billed at the cached price when
 * the model has one.
 *
 * @example
 * ```ts
 * costOf({ inputPerMillion: 3, outputPerMillion: 15 }, { inputTokens: 1000, outputTokens: 200, cachedInputTokens: 0 });
 * // 0.006
 * ```
 */
export function costOf(pricing: ModelPricing | undefined, usage: Usage): number {
  if (!pricing) return 0;
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  const cachedPrice = pricing.cachedInputPerMillion ?? pricing.inputPerMillion;
  return (
    ((usage.inputTokens - cached) * pricing.inputPerMillion +
      cached * cachedPrice +
      usage.outputTokens * pricing.outputPerMillion) /
    1_000_000
  );
}

/**
 * The estimate a budget is checked with: input tokens from the prompt's characters, output
 * tokens from `maxOutputTokens` (or {@link defaultOutputTokens}), priced with the model's table.
 */
export function estimateCall(options: {
  promptCharacters: number;
  maxOutputTokens?: number | undefined;
  pricing?: ModelPricing | undefined;
}): CallEstimate {
  const inputTokens = Math.ceil(options.promptCharacters / charactersPerToken);
  const outputTokens = expectedOutputTokens(options.maxOutputTokens);
  const costUsd = costOf(options.pricing, { inputTokens, outputTokens, cachedInputTokens: 0 });
  return { inputTokens, outputTokens, costUsd };
}

interface Reserved {
  tokens: number;
  costUsd: number;
}

// Calls in flight hold their estimate, so parallel steps cannot all pass a check that only one
// of them fits under. Kept beside the run rather than on it: the budget is this module's concern.
const reservations = new WeakMap<RunState, Reserved>();

/**
 * Checks the run's budget before a model call and holds the call's estimate until the returned
 * release function runs (when the call's real usage has been added to the run). Throws
 * `BUDGET_EXCEEDED`, which is not retryable, when spent + in flight + this estimate would cross
 * `maxCostUsd` or `maxTokens`.
 */
export function reserveBudget(
  run: RunState,
  stepPath: string,
  model: string,
  estimate: CallEstimate,
  priced = true,
): () => void {
  const budget = run.budget;
  if (!budget || (budget.maxCostUsd === undefined && budget.maxTokens === undefined)) return () => {};
  if (!priced && budget.maxCostUsd !== undefined && budget.allowUnpriced !== true) {
    throw new BatonError(
      'BUDGET_EXCEEDED',
      `Step "${stepPath}" stopped before calling ${model}: the model has no price, so the run's budget of $${budget.maxCostUsd} cannot be kept.`,
      {
        stepPath,
        retryable: false,
        hint: 'Add a price for it under `models.pricing` in baton.config.yaml, or allow unpriced calls (`allowUnpriced: true`, `--allow-unpriced`).',
        details: { budget: 'maxCostUsd', model, unpriced: true, limit: budget.maxCostUsd },
      },
    );
  }
  const reserved = reservations.get(run) ?? { tokens: 0, costUsd: 0 };
  const estimateTokens = estimate.inputTokens + estimate.outputTokens;
  if (budget.maxCostUsd !== undefined) {
    const spent = run.costUsd + reserved.costUsd;
    if (spent + estimate.costUsd > budget.maxCostUsd) {
      throw exceeded(stepPath, model, 'maxCostUsd', spent, estimate.costUsd, budget.maxCostUsd);
    }
  }
  if (budget.maxTokens !== undefined) {
    const spent = run.usage.inputTokens + run.usage.outputTokens + reserved.tokens;
    if (spent + estimateTokens > budget.maxTokens) {
      throw exceeded(stepPath, model, 'maxTokens', spent, estimateTokens, budget.maxTokens);
    }
  }
  reserved.tokens += estimateTokens;
  reserved.costUsd += estimate.costUsd;
  reservations.set(run, reserved);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    reserved.tokens -= estimateTokens;
    reserved.costUsd -= estimate.costUsd;
  };
}

function exceeded(
  stepPath: string,
  model: string,
  limit: 'maxCostUsd' | 'maxTokens',
  spent: number,
  estimate: number,
  maximum: number,
): BatonError {
  const format =
    limit === 'maxCostUsd' ? (value: number) => `$${value.toFixed(6)}` : (value: number) => `${value} tokens`;
  return new BatonError(
    'BUDGET_EXCEEDED',
    `Step "${stepPath}" stopped before calling ${model}: the run has spent ${format(spent)}, the call is estimated at ${format(estimate)}, and the budget's ${limit} is ${format(maximum)}.`,
    {
      stepPath,
      retryable: false,
      hint: `Raise ${limit} in the run's budget, or use a cheaper model or a lower maxOutputTokens.`,
      details: { budget: limit, spent, estimate, limit: maximum, model },
    },
  );
}
