import {
  APICallError,
  type LanguageModelV4,
  type LanguageModelV4CallOptions,
  type LanguageModelV4GenerateResult,
} from '@ai-sdk/provider';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BatonError, systemClock } from '../../src/core/index.js';
import {
  createMockModel,
  createResilientModel,
  type ModelRetry,
  RateLimiter,
} from '../../src/models/index.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(() => {
  vi.useRealTimers();
});

const answer: LanguageModelV4GenerateResult = {
  content: [{ type: 'text', text: 'ok' }],
  finishReason: { unified: 'stop', raw: 'stop' },
  usage: {
    inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: 5, text: 5, reasoning: 0 },
  },
  warnings: [],
};

function httpError(statusCode: number, headers: Record<string, string> = {}): APICallError {
  return new APICallError({
    message: `HTTP ${statusCode}`,
    url: 'http://127.0.0.1/v1/chat/completions',
    requestBodyValues: {},
    statusCode,
    responseHeaders: headers,
    responseBody: '{"error":{"message":"busy"}}',
  });
}

/** A model that plays a script: an error to throw, 'hang' to wait for its abort signal, or an answer. */
function scriptedModel(script: Array<Error | 'hang' | 'ok'>) {
  const calls: Array<{ at: number; signal: AbortSignal | undefined }> = [];
  const model: LanguageModelV4 = {
    specificationVersion: 'v4',
    provider: 'test',
    modelId: 'scripted',
    supportedUrls: {},
    async doGenerate(options: LanguageModelV4CallOptions) {
      calls.push({ at: Date.now(), signal: options.abortSignal });
      const step = script[Math.min(calls.length - 1, script.length - 1)];
      if (step instanceof Error) throw step;
      if (step === 'hang') {
        await new Promise((_, reject) =>
          options.abortSignal?.addEventListener('abort', () => reject(options.abortSignal?.reason)),
        );
      }
      return answer;
    },
    doStream: () => Promise.reject(new Error('not scripted')),
  };
  return { model, calls };
}

const call: LanguageModelV4CallOptions = {
  prompt: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
};

describe('createResilientModel', () => {
  it('waits a full-jitter exponential backoff before each retry', async () => {
    const { model, calls } = scriptedModel([httpError(503), httpError(503), 'ok']);
    const retries: ModelRetry[] = [];
    const resilient = createResilientModel(model, {
      id: 'test:scripted',
      clock: systemClock,
      random: () => 0.5,
      retry: { initialDelayMs: 1_000, backoffFactor: 2 },
      onRetry: (retry) => retries.push(retry),
    });
    const result = resilient.doGenerate(call);
    await vi.advanceTimersByTimeAsync(499);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls.map((entry) => entry.at)).toEqual([0, 500, 1_500]);
    await expect(result).resolves.toEqual(answer);
    expect(retries.map((retry) => [retry.retry, retry.delayMs])).toEqual([
      [1, 500],
      [2, 1_000],
    ]);
  });

  it('waits until the HTTP date a Retry-After names', async () => {
    const { model, calls } = scriptedModel([
      httpError(429, { 'retry-after': new Date(3_000).toUTCString() }),
      'ok',
    ]);
    // No jitter, so the retry lands on the date itself.
    const resilient = createResilientModel(model, {
      id: 'test:scripted',
      clock: systemClock,
      random: () => 0,
    });
    const result = resilient.doGenerate(call);
    await vi.advanceTimersByTimeAsync(2_999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toEqual(answer);
    expect(calls).toHaveLength(2);
  });

  it('hands a Retry-After longer than maxRetryAfterMs straight to the caller', async () => {
    const tooLong = httpError(429, { 'retry-after': '120' });
    const { model, calls } = scriptedModel([tooLong, 'ok']);
    const resilient = createResilientModel(model, {
      id: 'test:scripted',
      retry: { maxRetryAfterMs: 60_000 },
    });
    await expect(resilient.doGenerate(call)).rejects.toBe(tooLong);
    expect(calls).toHaveLength(1);
  });

  it('does not retry what the provider marks not retryable', async () => {
    const badRequest = httpError(400);
    const { model, calls } = scriptedModel([badRequest, 'ok']);
    const resilient = createResilientModel(model, { id: 'test:scripted' });
    await expect(resilient.doGenerate(call)).rejects.toBe(badRequest);
    expect(calls).toHaveLength(1);
  });

  it('stops waiting to retry when the caller aborts', async () => {
    const { model, calls } = scriptedModel([httpError(503), 'ok']);
    const resilient = createResilientModel(model, {
      id: 'test:scripted',
      clock: systemClock,
      random: () => 0.9,
    });
    const controller = new AbortController();
    const result = resilient.doGenerate({ ...call, abortSignal: controller.signal });
    const settled = result.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(100);
    controller.abort(new Error('run cancelled'));
    expect(await settled).toEqual(new Error('run cancelled'));
    expect(calls).toHaveLength(1);
  });

  it('aborts an attempt that outlasts the timeout and fails with a retryable BatonError', async () => {
    const { model, calls } = scriptedModel(['hang']);
    const resilient = createResilientModel(model, {
      id: 'test:scripted',
      stepPath: 'summarize',
      clock: systemClock,
      timeoutMs: 5_000,
      retry: { maxRetries: 0 },
    });
    const result = resilient.doGenerate(call).then(
      () => undefined,
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(5_000);
    const error = await result;
    expect(BatonError.is(error, 'MODEL_CALL_FAILED')).toBe(true);
    expect(error).toMatchObject({ retryable: true, stepPath: 'summarize', details: { timeoutMs: 5_000 } });
    expect(calls[0]?.signal?.aborted).toBe(true);
  });

  it('holds the whole provider back after a 429 with Retry-After', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 1_000 }, systemClock);
    const { model } = scriptedModel([httpError(429, { 'retry-after': '2' }), 'ok']);
    const resilient = createResilientModel(model, {
      id: 'test:scripted',
      clock: systemClock,
      limiter,
      random: () => 0,
    });
    const result = resilient.doGenerate(call);
    await vi.advanceTimersByTimeAsync(0);
    let otherGrantedAt: number | undefined;
    void limiter.acquire(0).then((permit) => {
      otherGrantedAt = Date.now();
      permit.release();
    });
    await vi.advanceTimersByTimeAsync(1_999);
    expect(otherGrantedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toEqual(answer);
    expect(otherGrantedAt).toBe(2_000);
  });

  it('frees its rate-limit slot when a stream ends', async () => {
    const limiter = new RateLimiter({ concurrency: 1 }, systemClock);
    const resilient = createResilientModel(createMockModel({ name: 'fast' }), { id: 'mock:fast', limiter });
    const { stream } = await resilient.doStream(call);
    expect(limiter.active).toBe(1);
    const reader = stream.getReader();
    while (!(await reader.read()).done) {
      // Read the stream to its end.
    }
    expect(limiter.active).toBe(0);
  });

  it('frees its rate-limit slot when a stream is cancelled', async () => {
    const limiter = new RateLimiter({ concurrency: 1 }, systemClock);
    const resilient = createResilientModel(createMockModel({ name: 'fast' }), { id: 'mock:fast', limiter });
    const { stream } = await resilient.doStream(call);
    await stream.cancel('reader left');
    expect(limiter.active).toBe(0);
  });
});
