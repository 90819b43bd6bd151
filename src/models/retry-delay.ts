import { APICallError } from '@ai-sdk/provider';
import { BatonError, retryAfterOf } from '../core/index.js';
import type { RetryOptions } from './model-config.js';

export const defaultRetryOptions: Required<RetryOptions> = {
  maxRetries: 3,
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  backoffFactor: 2,
  maxRetryAfterMs: 60_000,
};

/** The Retry-After an error carries, from its response headers or its own field. */
export function retryAfterOfError(error: unknown, now: number): number | undefined {
  if (APICallError.isInstance(error)) return retryAfterOf(error.responseHeaders, now);
  if (BatonError.is(error)) return error.retryAfterMs;
  return undefined;
}

/**
 * Whether another attempt may succeed, as the error says of itself where it was made: the AI SDK
 * sets `isRetryable` on 408, 409, 429, 5xx and failed connections; Baton's own timeouts set
 * `retryable`.
 */
export function isRetryableError(error: unknown): boolean {
  if (BatonError.is(error)) return error.retryable;
  return (error as { isRetryable?: unknown } | null)?.isRetryable === true;
}

/**
 * The wait before retry number `retry` (0 for the first): a random time below an exponentially
 * growing ceiling ("full jitter"), so callers that failed together do not retry together.
 */
export function backoffDelay(retry: number, options: Required<RetryOptions>, random: () => number): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * options.backoffFactor ** retry);
  return Math.floor(random() * ceiling);
}
