import {
  APICallError,
  type LanguageModelV4,
  type LanguageModelV4CallOptions,
  type LanguageModelV4GenerateResult,
  type LanguageModelV4StreamPart,
} from '@ai-sdk/provider';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatonError, systemClock } from '../../src/core/index.js';
import { createResilientModel, RateLimiter, type RatePermit } from '../../src/models/index.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(() => {
  vi.useRealTimers();
});

/** Acquires a slot and records when it was granted, or why it was not. */
function request(limiter: RateLimiter, tokens = 0, signal?: AbortSignal) {
  const state: { permit?: RatePermit; grantedAt?: number; error?: unknown } = {};
  const done = limiter.acquire(tokens, signal).then(
    (permit) => {
      state.permit = permit;
      state.grantedAt = Date.now();
    },
    (error: unknown) => {
      state.error = error;
    },
  );
  return Object.assign(state, { done });
}

describe('RateLimiter waiters', () => {
  it('wakes the next waiter at once when the one ahead of it gives up', async () => {
    const limiter = new RateLimiter({ tokensPerMinute: 100, windowMs: 1_000 }, systemClock);
    const holder = request(limiter, 60);
    const controller = new AbortController();
    // Too big to fit next to the holder, so it blocks the queue until it gives up.
    const big = request(limiter, 80, controller.signal);
    const small = request(limiter, 30);
    await vi.advanceTimersByTimeAsync(10);
    expect(small.grantedAt).toBeUndefined();
    controller.abort(new Error('gave up'));
    await vi.advanceTimersByTimeAsync(0);
    expect(big.error).toEqual(new Error('gave up'));
    expect(small.grantedAt).toBe(10);
    expect(holder.grantedAt).toBe(0);
  });

  it('drops a waiter that gives up from the middle of the queue', async () => {
    const limiter = new RateLimiter({ concurrency: 1 }, systemClock);
    request(limiter);
    const first = request(limiter);
    const controller = new AbortController();
    const middle = request(limiter, 0, controller.signal);
    const last = request(limiter);
    await vi.advanceTimersByTimeAsync(0);
    controller.abort(new Error('gave up'));
    await middle.done;
    expect(limiter.waiting).toBe(2);
    expect([first.grantedAt, last.grantedAt]).toEqual([undefined, undefined]);
  });

  it('sets no timer for a waiter that only a release can let in', async () => {
    const limiter = new RateLimiter({ concurrency: 1 }, systemClock);
    request(limiter);
    request(limiter);
    await vi.advanceTimersByTimeAsync(0);
    expect(limiter.waiting).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('refuses at once a caller whose signal has already aborted', async () => {
    const limiter = new RateLimiter({ concurrency: 1 }, systemClock);
    const reason = new Error('already cancelled');
    const refused = request(limiter, 0, AbortSignal.abort(reason));
    await refused.done;
    expect(refused.error).toBe(reason);
    expect(limiter.waiting).toBe(0);
    expect(limiter.active).toBe(0);
  });

  it('takes the first release of a permit as its end, ignoring later ones', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 1, windowMs: 1_000 }, systemClock);
    const first = request(limiter, 0);
    const second = request(limiter, 0);
    await vi.advanceTimersByTimeAsync(0);
    first.permit?.release(5);
    await vi.advanceTimersByTimeAsync(500);
    first.permit?.release(5);
    await vi.advanceTimersByTimeAsync(500);
    expect(second.grantedAt).toBe(1_000);
  });

  it('keeps counting the estimate when the tokens used are unknown', async () => {
    const limiter = new RateLimiter({ tokensPerMinute: 100, windowMs: 1_000 }, systemClock);
    const first = request(limiter, 70);
    const second = request(limiter, 40);
    await vi.advanceTimersByTimeAsync(0);
    first.permit?.release(Number.NaN);
    await vi.advanceTimersByTimeAsync(999);
    expect(second.grantedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(second.grantedAt).toBe(1_000);
  });

  it('re-checks waiting callers when its limits change', async () => {
    const limiter = new RateLimiter({ concurrency: 1 }, systemClock);
    request(limiter);
    const second = request(limiter);
    await vi.advanceTimersByTimeAsync(5);
    limiter.setLimits({ concurrency: 2 });
    await vi.advanceTimersByTimeAsync(0);
    expect(second.grantedAt).toBe(5);
  });

  it('wakes at the earliest expiry when a shorter wait replaces a longer one', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 1, windowMs: 1_000 }, systemClock);
    const first = request(limiter);
    const second = request(limiter);
    await vi.advanceTimersByTimeAsync(0);
    limiter.pause(5_000);
    first.permit?.release();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(second.grantedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(second.grantedAt).toBe(5_000);
  });
});

const usage = (input: number, output: number) => ({
  inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: output, text: output, reasoning: 0 },
});

const call: LanguageModelV4CallOptions = {
  prompt: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
};

function answering(result: Partial<LanguageModelV4GenerateResult>): LanguageModelV4 {
  return {
    specificationVersion: 'v4',
    provider: 'test',
    modelId: 'fixed',
    supportedUrls: {},
    doGenerate: async () => ({
      content: [{ type: 'text', text: 'ok' }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: usage(1, 1),
      warnings: [],
      ...result,
    }),
    doStream: () => Promise.reject(new Error('not scripted')),
  };
}

describe('createResilientModel and the rate limiter', () => {
  it('counts input plus output tokens of a call against tokens per minute', async () => {
    const limiter = new RateLimiter({ tokensPerMinute: 100, windowMs: 1_000 }, systemClock);
    const model = createResilientModel(answering({ usage: usage(30, 40) }), { id: 'test:fixed', limiter });
    await model.doGenerate(call);
    // 70 used: 30 more fit at once, 31 wait for the window.
    const fits = request(limiter, 30);
    const waits = request(limiter, 31);
    await vi.advanceTimersByTimeAsync(0);
    expect(fits.grantedAt).toBe(0);
    expect(waits.grantedAt).toBeUndefined();
  });

  it('counts the tokens of one side when the provider reports only that one', async () => {
    const limiter = new RateLimiter({ tokensPerMinute: 100, windowMs: 1_000 }, systemClock);
    const onlyOutput = {
      inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: 80, text: 80, reasoning: undefined },
    };
    const model = createResilientModel(answering({ usage: onlyOutput }), { id: 'test:fixed', limiter });
    await model.doGenerate(call);
    const fits = request(limiter, 20);
    const waits = request(limiter, 1);
    await vi.advanceTimersByTimeAsync(0);
    expect(fits.grantedAt).toBe(0);
    expect(waits.grantedAt).toBeUndefined();
  });

  it('pauses the provider only for a 429, not for another error that carries a Retry-After', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 1_000 }, systemClock);
    let attempts = 0;
    const failing: LanguageModelV4 = {
      ...answering({}),
      doGenerate: async () => {
        attempts++;
        if (attempts === 1) {
          throw new APICallError({
            message: 'HTTP 503',
            url: 'http://127.0.0.1/v1',
            requestBodyValues: {},
            statusCode: 503,
            responseHeaders: { 'retry-after': '2' },
          });
        }
        return answering({}).doGenerate(call);
      },
    };
    const model = createResilientModel(failing, { id: 'test:fixed', limiter });
    const result = model.doGenerate(call);
    await vi.advanceTimersByTimeAsync(0);
    const other = request(limiter);
    await vi.advanceTimersByTimeAsync(0);
    expect(other.grantedAt).toBe(0);
    // A Retry-After wait gets up to 20% jitter, so callers told the same wait do not retry together.
    await vi.advanceTimersByTimeAsync(2_400);
    await expect(result).resolves.toMatchObject({ content: [{ type: 'text', text: 'ok' }] });
    expect(attempts).toBe(2);
  });
});

describe('createResilientModel timeouts', () => {
  it('aborts the upstream request of a stream that goes quiet, and ends the stream with a timeout', async () => {
    let upstream: AbortSignal | undefined;
    const quiet: LanguageModelV4 = {
      ...answering({}),
      doStream: async (options) => {
        upstream = options.abortSignal;
        const stream = new ReadableStream<LanguageModelV4StreamPart>({
          start(controller) {
            controller.enqueue({ type: 'stream-start', warnings: [] });
          },
        });
        return { stream };
      },
    };
    const limiter = new RateLimiter({ concurrency: 1 }, systemClock);
    const model = createResilientModel(quiet, { id: 'test:quiet', limiter, timeoutMs: 1_000 });
    const { stream } = await model.doStream(call);
    const reader = stream.getReader();
    expect((await reader.read()).value).toMatchObject({ type: 'stream-start' });
    const next = reader.read();
    await vi.advanceTimersByTimeAsync(999);
    expect(upstream?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const part = (await next).value;
    expect(part).toMatchObject({ type: 'error' });
    expect(BatonError.is((part as { error: unknown }).error, 'MODEL_CALL_FAILED')).toBe(true);
    expect(upstream?.aborted).toBe(true);
    expect((await reader.read()).done).toBe(true);
    expect(limiter.active).toBe(0);
  });

  it('aborts the upstream request of a call that outlasts its timeout', async () => {
    let upstream: AbortSignal | undefined;
    const hanging: LanguageModelV4 = {
      ...answering({}),
      doGenerate: (options) => {
        upstream = options.abortSignal;
        return new Promise(() => undefined);
      },
    };
    const model = createResilientModel(hanging, {
      id: 'test:hang',
      timeoutMs: 500,
      retry: { maxRetries: 0 },
    });
    const result = Promise.resolve(model.doGenerate(call)).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(499);
    expect(upstream?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(BatonError.is(await result, 'MODEL_CALL_FAILED')).toBe(true);
    expect(upstream?.aborted).toBe(true);
  });
});
