/** How waits between attempts grow: the engine's step retries and the model layer share it. */
export interface Backoff {
  initialDelayMs: number;
  /** No wait is longer than this, a server's Retry-After included. */
  maxDelayMs: number;
  factor: number;
}

/**
 * The wait before retry number `retry` (0 for the first). Without a Retry-After: a random time
 * below an exponentially growing ceiling ("full jitter"). With one: what the server asked plus up
 * to a fifth more, so callers refused together do not return together. Either way at most
 * `maxDelayMs`: a run never sleeps for a day holding its lease because a server said so.
 *
 * @example
 * ```ts
 * backoffDelay({ initialDelayMs: 1000, maxDelayMs: 30_000, factor: 2 }, 2, Math.random); // < 4000
 * ```
 */
export function backoffDelay(
  backoff: Backoff,
  retry: number,
  random: () => number,
  retryAfterMs?: number,
): number {
  if (retryAfterMs !== undefined) {
    const spread = Math.max(retryAfterMs, backoff.initialDelayMs) / 5;
    return Math.min(backoff.maxDelayMs, Math.floor(retryAfterMs + random() * spread));
  }
  const ceiling = Math.min(backoff.maxDelayMs, backoff.initialDelayMs * backoff.factor ** retry);
  return Math.floor(random() * ceiling);
}
