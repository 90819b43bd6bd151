import {
  APICallError,
  type LanguageModelV4,
  type LanguageModelV4CallOptions,
  type LanguageModelV4StreamPart,
  type LanguageModelV4StreamResult,
  type LanguageModelV4Usage,
} from '@ai-sdk/provider';
import { BatonError, type Clock, systemClock } from '../core/index.js';
import { estimateCallTokens } from './estimate-tokens.js';
import type { RetryOptions } from './model-config.js';
import type { RateLimiter } from './rate-limiter.js';
import { defaultRetryOptions, isRetryableError, modelRetryDelay, retryAfterOfError } from './retry-delay.js';

/** What a resilient model reports before it waits to try again. */
export interface ModelRetry {
  model: string;
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  error: unknown;
}

export interface ResilienceOptions {
  /** `provider:model`, for messages. */
  id: string;
  /** The step the model was resolved for, for messages. */
  stepPath?: string;
  retry?: RetryOptions;
  /** Milliseconds one attempt may take (a stream: to open, then between two parts); 0 disables. */
  timeoutMs?: number;
  /** The provider's shared limiter. */
  limiter?: RateLimiter;
  clock?: Clock;
  /** Random numbers in [0, 1) for the backoff jitter. */
  random?: () => number;
  onRetry?: (retry: ModelRetry) => void;
}

/**
 * Wraps a model so each call waits for its provider's rate limiter, gives up on an attempt after
 * `timeoutMs`, and retries what the provider marks retryable (429, 5xx, connection errors,
 * timeouts) with exponential backoff and full jitter, or after the server's Retry-After. An error
 * that reaches the caller is the provider's own (an `APICallError` keeps status, headers and body)
 * or a BatonError for a timeout. A stream is retried only while it opens: once parts have flowed,
 * a retry would repeat them.
 *
 * Call it with `maxRetries: 0` in `generateText`/`streamText`, or the AI SDK retries on top.
 *
 * @example
 * ```ts
 * const model = createResilientModel(openai.chat('gpt-4o-mini'), { id: 'openai:gpt-4o-mini', timeoutMs: 30_000 });
 * const { text } = await generateText({ model, prompt: 'Hello', maxRetries: 0 });
 * ```
 */
export function createResilientModel(model: LanguageModelV4, options: ResilienceOptions): LanguageModelV4 {
  const clock = options.clock ?? systemClock;
  const retry = { ...defaultRetryOptions, ...options.retry };
  const random = options.random ?? Math.random;
  const timeoutMs = options.timeoutMs ?? 0;

  const timeoutError = () =>
    new BatonError(
      'MODEL_CALL_FAILED',
      `Model ${options.id} did not answer within ${timeoutMs} ms${options.stepPath ? ` in step "${options.stepPath}"` : ''}.`,
      {
        stepPath: options.stepPath,
        retryable: true,
        hint: 'Raise timeoutMs for this provider in baton.config.yaml, or check that the server is up.',
        details: { model: options.id, timeoutMs },
      },
    );

  async function withRetries<T>(signal: AbortSignal | undefined, attempt: () => Promise<T>): Promise<T> {
    for (let count = 0; ; count++) {
      try {
        return await attempt();
      } catch (error) {
        if (signal?.aborted || count >= retry.maxRetries || !isRetryableError(error)) throw error;
        const retryAfter = retryAfterOfError(error, clock.now());
        if (retryAfter !== undefined && retryAfter > retry.maxRetryAfterMs) throw error;
        // Every caller of this provider backs off, not just the one that was told to.
        if (retryAfter !== undefined && APICallError.isInstance(error) && error.statusCode === 429) {
          options.limiter?.pause(retryAfter);
        }
        const delayMs = modelRetryDelay(count, retry, random, retryAfter);
        options.onRetry?.({ model: options.id, retry: count + 1, delayMs, error });
        await clock.sleep(delayMs, signal);
      }
    }
  }

  /** Runs one attempt with its own abort signal, failing it after the timeout. */
  async function withTimeout<T>(
    signal: AbortSignal | undefined,
    run: (signal: AbortSignal | undefined) => PromiseLike<T>,
  ): Promise<T> {
    if (timeoutMs <= 0) return run(signal);
    const attempt = new AbortController();
    const timer = new AbortController();
    const combined = signal ? AbortSignal.any([signal, attempt.signal]) : attempt.signal;
    const expired = clock.sleep(timeoutMs, timer.signal).then(
      () => {
        const error = timeoutError();
        attempt.abort(error);
        throw error;
      },
      () => new Promise<never>(() => undefined),
    );
    try {
      return await Promise.race([Promise.resolve(run(combined)), expired]);
    } finally {
      timer.abort();
    }
  }

  return {
    specificationVersion: 'v4',
    provider: model.provider,
    modelId: model.modelId,
    get supportedUrls() {
      return model.supportedUrls;
    },
    doGenerate: (call) =>
      withRetries(call.abortSignal, async () => {
        const permit = await options.limiter?.acquire(estimateCallTokens(call), call.abortSignal);
        try {
          const result = await withTimeout(call.abortSignal, (signal) =>
            model.doGenerate(withSignal(call, signal)),
          );
          permit?.release(totalTokens(result.usage));
          return result;
        } catch (error) {
          permit?.release();
          throw error;
        }
      }),
    doStream: (call) =>
      withRetries(call.abortSignal, async () => {
        const permit = await options.limiter?.acquire(estimateCallTokens(call), call.abortSignal);
        const attempt = new AbortController();
        const signal = call.abortSignal
          ? AbortSignal.any([call.abortSignal, attempt.signal])
          : attempt.signal;
        try {
          const result = await withTimeout(signal, (inner) => model.doStream(withSignal(call, inner)));
          const stream = watchStream(result.stream, {
            clock,
            timeoutMs,
            timeoutError,
            onEnd: (usage) => permit?.release(usage ? totalTokens(usage) : undefined),
            onIdle: (error) => attempt.abort(error),
          });
          return { ...result, stream } satisfies LanguageModelV4StreamResult;
        } catch (error) {
          permit?.release();
          throw error;
        }
      }),
  };
}

function withSignal(
  call: LanguageModelV4CallOptions,
  signal: AbortSignal | undefined,
): LanguageModelV4CallOptions {
  const { abortSignal: _replaced, ...rest } = call;
  return signal ? { ...rest, abortSignal: signal } : rest;
}

function totalTokens(usage: LanguageModelV4Usage): number | undefined {
  const input = usage.inputTokens.total;
  const output = usage.outputTokens.total;
  return input === undefined && output === undefined ? undefined : (input ?? 0) + (output ?? 0);
}

/**
 * Passes a stream through, releasing the rate-limit slot when it ends however it ends, and
 * ending it with an error part when it breaks or no part arrives within the timeout.
 */
function watchStream(
  source: ReadableStream<LanguageModelV4StreamPart>,
  options: {
    clock: Clock;
    timeoutMs: number;
    timeoutError: () => BatonError;
    onEnd: (usage: LanguageModelV4Usage | undefined) => void;
    onIdle: (error: BatonError) => void;
  },
): ReadableStream<LanguageModelV4StreamPart> {
  const reader = source.getReader();
  let usage: LanguageModelV4Usage | undefined;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    options.onEnd(usage);
  };
  const read = async (): Promise<Awaited<ReturnType<typeof reader.read>> | 'idle'> => {
    if (options.timeoutMs <= 0) return reader.read();
    const timer = new AbortController();
    const idle = options.clock.sleep(options.timeoutMs, timer.signal).then(
      () => 'idle' as const,
      () => new Promise<never>(() => undefined),
    );
    try {
      return await Promise.race([reader.read(), idle]);
    } finally {
      timer.abort();
    }
  };
  return new ReadableStream<LanguageModelV4StreamPart>({
    async pull(controller) {
      try {
        const next = await read();
        if (next === 'idle') {
          const error = options.timeoutError();
          options.onIdle(error);
          reader.cancel(error).catch(() => undefined);
          controller.enqueue({ type: 'error', error });
          controller.close();
          end();
          return;
        }
        if (next.done) {
          controller.close();
          end();
          return;
        }
        if (next.value.type === 'finish') usage = next.value.usage;
        controller.enqueue(next.value);
      } catch (error) {
        // As an error part, like providers report errors inside a stream: streamText hands it
        // to onError and ends the stream, keeping what arrived before.
        controller.enqueue({ type: 'error', error });
        controller.close();
        end();
      }
    },
    async cancel(reason) {
      end();
      await reader.cancel(reason);
    },
  });
}
