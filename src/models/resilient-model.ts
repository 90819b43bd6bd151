import {
  APICallError,
  type LanguageModelV4,
  type LanguageModelV4CallOptions,
  type LanguageModelV4StreamPart,
  type LanguageModelV4StreamResult,
  type LanguageModelV4Usage,
} from '@ai-sdk/provider';
import { BatonError, type Clock, markModelFailure, systemClock } from '../core/index.js';
import { estimateCallTokens } from './estimate-tokens.js';
import type { RetryOptions } from './model-config.js';
import { currentPermit, type RateLimiter } from './rate-limiter.js';
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
  /** The provider's configured name, for the hints of a final error. Default: the model's provider. */
  provider?: string;
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

  const giveUp = (error: unknown, attempts: number, retryAfterMs: number | undefined, overCap: boolean) =>
    markModelFailure(error, {
      attempts,
      provider: options.provider ?? model.provider,
      rateLimited: options.limiter !== undefined,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      ...(overCap ? { maxRetryAfterMs: retry.maxRetryAfterMs } : {}),
    });

  const cutOffError = () =>
    new BatonError(
      'MODEL_CALL_FAILED',
      `The stream of model ${options.id} broke off before the model finished its answer${options.stepPath ? ` in step "${options.stepPath}"` : ''}.`,
      {
        stepPath: options.stepPath,
        retryable: true,
        hint: 'The connection was closed early (a proxy or the server): try again, or give the step a fallback model.',
        details: { model: options.id },
      },
    );

  async function withRetries<T>(signal: AbortSignal | undefined, attempt: () => Promise<T>): Promise<T> {
    for (let count = 0; ; count++) {
      try {
        return await attempt();
      } catch (error) {
        const retryAfter = retryAfterOfError(error, clock.now());
        if (signal?.aborted || count >= retry.maxRetries || !isRetryableError(error)) {
          throw giveUp(error, count + 1, retryAfter, false);
        }
        if (retryAfter !== undefined && retryAfter > retry.maxRetryAfterMs) {
          throw giveUp(error, count + 1, retryAfter, true);
        }
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
            permit
              ? currentPermit.run(permit, () => model.doGenerate(withSignal(call, signal)))
              : model.doGenerate(withSignal(call, signal)),
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
          const result = await withTimeout(signal, (inner) =>
            permit
              ? currentPermit.run(permit, () => model.doStream(withSignal(call, inner)))
              : model.doStream(withSignal(call, inner)),
          );
          const stream = watchStream(result.stream, {
            clock,
            timeoutMs,
            timeoutError,
            cutOffError,
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
    cutOffError: () => BatonError;
    onEnd: (usage: LanguageModelV4Usage | undefined) => void;
    onIdle: (error: BatonError) => void;
  },
): ReadableStream<LanguageModelV4StreamPart> {
  const reader = source.getReader();
  let usage: LanguageModelV4Usage | undefined;
  let ended = false;
  let finished = false;
  let failed = false;
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
          // A stream that ends without the provider's finish was cut off, however cleanly the
          // connection closed: say so, after the text that arrived.
          if (!finished && !failed) controller.enqueue({ type: 'error', error: options.cutOffError() });
          controller.close();
          end();
          return;
        }
        let part = next.value;
        if (part.type === 'error') failed = true;
        if (part.type === 'finish') {
          finished = true;
          usage = part.usage;
          // The provider saw the stream end before the model's own finish: an error, not a stop.
          if ((part.finishReason.unified as string) === 'interrupted' && !failed) {
            controller.enqueue({ type: 'error', error: options.cutOffError() });
            failed = true;
          }
          // A provider that reported a broken chunk must not then claim a normal stop.
          if (failed) part = { ...part, finishReason: { unified: 'error', raw: part.finishReason.raw } };
        }
        controller.enqueue(part);
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
