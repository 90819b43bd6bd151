import type { BatonError } from '../errors.js';
import type { RetryPolicy, StepKind } from '../ir/step.js';

export interface ResolvedRetryPolicy {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  retryOn: 'retryable' | 'all';
}

const single: ResolvedRetryPolicy = {
  maxAttempts: 1,
  initialDelayMs: 1000,
  maxDelayMs: 30_000,
  factor: 2,
  retryOn: 'retryable',
};

// Calls to the outside world fail transiently; a pure transform that failed will fail again.
const external: ResolvedRetryPolicy = { ...single, maxAttempts: 3 };
const externalKinds = new Set<StepKind>(['llm', 'tool', 'agent']);

/** The policy of a step: its own, else the workflow default, else the default of its kind. */
export function resolveRetryPolicy(
  kind: StepKind,
  own: RetryPolicy | undefined,
  workflowDefault: RetryPolicy | undefined,
): ResolvedRetryPolicy {
  const base = externalKinds.has(kind) ? external : single;
  const merged = { ...base };
  for (const policy of [workflowDefault, own]) {
    if (!policy) continue;
    for (const [key, value] of Object.entries(policy)) if (value !== undefined) Object.assign(merged, { [key]: value });
  }
  return merged;
}

/** Whether attempt `attempt` (1-based) that failed with `error` is tried again. */
export function shouldRetry(policy: ResolvedRetryPolicy, attempt: number, error: BatonError): boolean {
  if (attempt >= policy.maxAttempts) return false;
  if (error.code === 'RUN_CANCELLED' || error.code === 'BUDGET_EXCEEDED') return false;
  return policy.retryOn === 'all' || error.retryable;
}

/**
 * Exponential backoff with full jitter, capped at `maxDelayMs`. A `retryAfterMs` the server sent
 * wins: retrying earlier only provokes another refusal.
 */
export function retryDelay(
  policy: ResolvedRetryPolicy,
  attempt: number,
  error: BatonError,
  random: () => number = Math.random,
): number {
  if (error.retryAfterMs !== undefined) return error.retryAfterMs;
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** (attempt - 1));
  return Math.floor(random() * ceiling);
}
