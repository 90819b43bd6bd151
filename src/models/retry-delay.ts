import { APICallError } from '@ai-sdk/provider';
import { BatonError, backoffDelay, retryAfterOf } from '../core/index.js';
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
 * The wait before retry number `retry` (0 for the first): the core's one backoff, with the
 * model layer's names. A Retry-After is waited (with jitter) up to `maxRetryAfterMs`; a longer
 * one is not retried at all (see `createResilientModel`).
 */
export function modelRetryDelay(
  retry: number,
  options: Required<RetryOptions>,
  random: () => number,
  retryAfterMs?: number,
): number {
  const maxDelayMs = retryAfterMs === undefined ? options.maxDelayMs : options.maxRetryAfterMs;
  return backoffDelay(
    { initialDelayMs: options.initialDelayMs, maxDelayMs, factor: options.backoffFactor },
    retry,
    random,
    retryAfterMs,
  );
}
