import type { BatonError } from '../errors.js';
import type { RetryPolicy } from '../ir/step.js';
import { backoffDelay } from './backoff.js';

export interface ResolvedRetryPolicy {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  retryOn: 'retryable' | 'all';
}

// One attempt unless a step asks for more: model calls already retry transient errors inside the
// model layer, and retrying a tool with side effects must be the author's choice.
const defaults: ResolvedRetryPolicy = {
  maxAttempts: 1,
  initialDelayMs: 1000,
  maxDelayMs: 30_000,
  factor: 2,
  retryOn: 'retryable',
};

/** The policy of a step: its own fields, else the workflow default's, else one attempt. */
export function resolveRetryPolicy(
  own: RetryPolicy | undefined,
  workflowDefault: RetryPolicy | undefined,
): ResolvedRetryPolicy {
  const merged = { ...defaults };
  for (const policy of [workflowDefault, own]) {
    if (!policy) continue;
    for (const [key, value] of Object.entries(policy))
      if (value !== undefined) Object.assign(merged, { [key]: value });
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
 * The wait before attempt `attempt + 1`: the shared backoff, capped at `maxDelayMs`, a server's
 * Retry-After included (with jitter, so callers refused together do not retry together).
 */
export function retryDelay(
  policy: ResolvedRetryPolicy,
  attempt: number,
  error: BatonError,
  random: () => number = Math.random,
): number {
  return backoffDelay(policy, attempt - 1, random, error.retryAfterMs);
}

/**
 * How long the server asked us to wait: `retry-after-ms` (milliseconds, OpenAI), else
 * `retry-after` in seconds or as an HTTP date. `now` comes from the clock so dates work under
 * fake time.
 *
 * @example
 * ```ts
 * retryAfterOf({ 'retry-after': '2' }, Date.now()); // 2000
 * ```
 */
export function retryAfterOf(
  headers: Readonly<Record<string, string>> | undefined,
  now: number,
): number | undefined {
  if (!headers) return undefined;
  const lower = Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]));
  const milliseconds = Number.parseFloat(lower['retry-after-ms'] ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds;
  const value = lower['retry-after']?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number.parseFloat(value) * 1_000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
