/** What the model layer knows about a call that failed for good, for the message the engine writes. */
export interface ModelFailure {
  /** Attempts made, the first included. */
  attempts: number;
  /** The provider's configured name (`openai`), for hints that name its settings. */
  provider: string;
  /** Whether Baton was already limiting this provider's rate. */
  rateLimited: boolean;
  /** The wait the provider asked for in its last answer, when it gave one. */
  retryAfterMs?: number;
  /** Set when that wait was longer than Baton waits: the cap (`maxRetryAfterMs`). */
  maxRetryAfterMs?: number;
}

const key = Symbol.for('baton.modelFailure');

/**
 * Attaches what the model layer knows to the error it passes on, which stays the provider's own
 * object (an `APICallError` keeps its status, headers and body).
 *
 * @example
 * ```ts
 * throw markModelFailure(error, { attempts: 4, provider: 'openai', rateLimited: false });
 * ```
 */
export function markModelFailure<T>(error: T, failure: ModelFailure): T {
  if (typeof error === 'object' && error !== null) {
    Object.defineProperty(error, key, { value: failure, enumerable: false, configurable: true });
  }
  return error;
}

/** What {@link markModelFailure} attached, if anything. */
export function modelFailureOf(error: unknown): ModelFailure | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  return (error as Record<symbol, ModelFailure | undefined>)[key];
}
