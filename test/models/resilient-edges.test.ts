import {
  APICallError,
  type LanguageModelV4,
  type LanguageModelV4CallOptions,
  type LanguageModelV4StreamPart,
} from '@ai-sdk/provider';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type BatonError, modelFailureOf, systemClock } from '../../src/core/index.js';
import { createResilientModel, type ModelRetry, RateLimiter } from '../../src/models/index.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(() => {
  vi.useRealTimers();
});

const call: LanguageModelV4CallOptions = {
  prompt: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
};
const usage = (input: number, output: number) => ({
  inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: output, text: output, reasoning: 0 },
});

function httpError(statusCode: number, headers: Record<string, string> = {}): APICallError {
  return new APICallError({
    message: `HTTP ${statusCode}`,
    url: 'http://127.0.0.1/v1',
    requestBodyValues: {},
    statusCode,
    responseHeaders: headers,
  });
}

/** A model that fails its first `failures` calls with `error`, then answers. */
function flaky(failures: number, error: () => Error) {
  const state = { calls: 0 };
  const model: LanguageModelV4 = {
    specificationVersion: 'v4',
    provider: 'test',
    modelId: 'flaky',
    supportedUrls: {},
    doGenerate: async () => {
      state.calls++;
      if (state.calls <= failures) throw error();
      return {
        content: [{ type: 'text', text: 'ok' }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: usage(1, 1),
        warnings: [],
      };
    },
    doStream: async () => {
      state.calls++;
      if (state.calls <= failures) throw error();
      const parts: LanguageModelV4StreamPart[] = [
        { type: 'stream-start', warnings: [] },
        { type: 'text-delta', id: 't', delta: 'ok' },
        { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: usage(30, 50) },
      ];
      return {
        stream: new ReadableStream({
          start: (controller) => {
            for (const part of parts) controller.enqueue(part);
            controller.close();
          },
        }),
      };
    },
  };
  return { model, state };
}

describe('createResilientModel retries', () => {
  it('makes exactly maxRetries retries, reporting each, then hands the error on', async () => {
    const { model, state } = flaky(10, () => httpError(503));
    const retries: ModelRetry[] = [];
    const resilient = createResilientModel(model, {
      id: 'test:flaky',
      retry: { maxRetries: 2, initialDelayMs: 100 },
      random: () => 0.5,
      onRetry: (retry) => retries.push(retry),
    });
    const result = Promise.resolve(resilient.doGenerate(call)).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await result).toMatchObject({ statusCode: 503 });
    expect(state.calls).toBe(3);
    expect(retries.map(({ model: id, retry, delayMs }) => ({ id, retry, delayMs }))).toEqual([
      { id: 'test:flaky', retry: 1, delayMs: 50 },
      { id: 'test:flaky', retry: 2, delayMs: 100 },
    ]);
  });

  it('waits a Retry-After of exactly maxRetryAfterMs, and gives up on one a millisecond longer', async () => {
    const exact = flaky(1, () => httpError(503, { 'retry-after-ms': '5000' }));
    const waiting = createResilientModel(exact.model, {
      id: 'test:flaky',
      retry: { maxRetryAfterMs: 5_000 },
    });
    const answered = waiting.doGenerate(call);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(exact.state.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(answered).resolves.toMatchObject({ content: [{ type: 'text', text: 'ok' }] });
    const longer = flaky(1, () => httpError(503, { 'retry-after-ms': '5001' }));
    const refusing = createResilientModel(longer.model, {
      id: 'test:flaky',
      retry: { maxRetryAfterMs: 5_000 },
    });
    await expect(refusing.doGenerate(call)).rejects.toMatchObject({ statusCode: 503 });
    expect(longer.state.calls).toBe(1);
  });

  it('marks the error it hands on with the attempts, the provider and the Retry-After, and the cap only when over it', async () => {
    const limited = flaky(10, () => httpError(503, { 'retry-after-ms': '200' }));
    const retrying = createResilientModel(limited.model, {
      id: 'test:flaky',
      retry: { maxRetries: 1, maxRetryAfterMs: 1_000 },
      random: () => 0.5,
    });
    const failed = Promise.resolve(retrying.doGenerate(call)).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(modelFailureOf(await failed)).toEqual({
      attempts: 2,
      provider: 'test',
      rateLimited: false,
      retryAfterMs: 200,
    });

    const refused = flaky(10, () => httpError(400));
    const named = createResilientModel(refused.model, { id: 'test:flaky', provider: 'my-test' });
    const error = await Promise.resolve(named.doGenerate(call)).catch((thrown: unknown) => thrown);
    expect(modelFailureOf(error)).toStrictEqual({ attempts: 1, provider: 'my-test', rateLimited: false });

    const over = flaky(10, () => httpError(503, { 'retry-after-ms': '5000' }));
    const capped = createResilientModel(over.model, { id: 'test:flaky', retry: { maxRetryAfterMs: 1_000 } });
    const overCap = await Promise.resolve(capped.doGenerate(call)).catch((thrown: unknown) => thrown);
    expect(modelFailureOf(overCap)).toEqual({
      attempts: 1,
      provider: 'test',
      rateLimited: false,
      retryAfterMs: 5_000,
      maxRetryAfterMs: 1_000,
    });
  });

  it('speaks for the model it wraps: provider, model id and the URLs it takes', () => {
    const urls = { 'image/*': [/^https:\/\//] };
    const model: LanguageModelV4 = { ...flaky(0, () => new Error('x')).model, supportedUrls: urls };
    const resilient = createResilientModel(model, { id: 'test:flaky' });
    expect(resilient).toMatchObject({ provider: 'test', modelId: 'flaky' });
    expect(resilient.supportedUrls).toBe(urls);
  });

  it('counts the tokens a call reports, input and output, whichever of them the provider gives', async () => {
    const released: Array<number | undefined> = [];
    class Recording extends RateLimiter {
      override async acquire(tokens: number, signal?: AbortSignal) {
        const permit = await super.acquire(tokens, signal);
        return { ...permit, release: (used?: number) => released.push(used) };
      }
    }
    const reported = [
      { inputTokens: 30, outputTokens: 5 },
      { inputTokens: 30, outputTokens: undefined },
      { inputTokens: undefined, outputTokens: 5 },
      { inputTokens: undefined, outputTokens: undefined },
    ];
    for (const { inputTokens, outputTokens } of reported) {
      const model: LanguageModelV4 = {
        ...flaky(0, () => new Error('x')).model,
        doGenerate: async () => ({
          content: [{ type: 'text', text: 'ok' }],
          finishReason: { unified: 'stop', raw: 'stop' },
          usage: {
            inputTokens: {
              total: inputTokens,
              noCache: undefined,
              cacheRead: undefined,
              cacheWrite: undefined,
            },
            outputTokens: { total: outputTokens, text: undefined, reasoning: undefined },
          },
          warnings: [],
        }),
      };
      const limiter = new Recording({}, systemClock);
      await createResilientModel(model, { id: 'test:usage', limiter }).doGenerate(call);
    }
    expect(released).toEqual([35, 30, 5, undefined]);
  });

  it('retries a stream that fails to open, and counts the tokens its finish part reports', async () => {
    const { model, state } = flaky(1, () => httpError(502));
    const limiter = new RateLimiter({ tokensPerMinute: 100, windowMs: 1_000 }, systemClock);
    const resilient = createResilientModel(model, { id: 'test:flaky', limiter, random: () => 0 });
    const opened = resilient.doStream(call);
    // The failed attempt holds its estimate for a window after it ends; the retry waits for that.
    await vi.advanceTimersByTimeAsync(1_000);
    const { stream } = await opened;
    expect(state.calls).toBe(2);
    const reader = stream.getReader();
    const parts: string[] = [];
    for (let next = await reader.read(); !next.done; next = await reader.read()) parts.push(next.value.type);
    expect(parts).toEqual(['stream-start', 'text-delta', 'finish']);
    // 80 tokens used: 20 more fit, 21 wait for the window.
    const fits = limiter.acquire(20);
    let waitedGranted = false;
    void limiter.acquire(1).then(() => {
      waitedGranted = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    await expect(fits).resolves.toBeDefined();
    expect(waitedGranted).toBe(false);
  });

  it('ends a stream that breaks with an error part and frees its slot', async () => {
    const broken: LanguageModelV4 = {
      ...flaky(0, () => new Error('x')).model,
      doStream: async () => ({
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          start(controller) {
            controller.enqueue({ type: 'stream-start', warnings: [] });
            controller.error(new Error('connection reset'));
          },
        }),
      }),
    };
    const limiter = new RateLimiter({ concurrency: 1 }, systemClock);
    const resilient = createResilientModel(broken, { id: 'test:broken', limiter });
    const { stream } = await resilient.doStream(call);
    const reader = stream.getReader();
    const parts: LanguageModelV4StreamPart[] = [];
    for (let next = await reader.read(); !next.done; next = await reader.read()) parts.push(next.value);
    expect(parts.at(-1)?.type).toBe('error');
    expect((parts.at(-1) as { error: Error }).error.message).toBe('connection reset');
    expect(limiter.active).toBe(0);
  });

  /** Every part of the resilient stream of a model whose stream holds `parts` and then closes. */
  async function streamed(parts: LanguageModelV4StreamPart[]): Promise<LanguageModelV4StreamPart[]> {
    const model: LanguageModelV4 = {
      ...flaky(0, () => new Error('x')).model,
      doStream: async () => ({
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          start(controller) {
            for (const part of parts) controller.enqueue(part);
            controller.close();
          },
        }),
      }),
    };
    const resilient = createResilientModel(model, { id: 'test:cut', stepPath: 'ask' });
    const { stream } = await resilient.doStream(call);
    const read: LanguageModelV4StreamPart[] = [];
    for await (const part of stream) read.push(part);
    return read;
  }

  it('ends a stream that closes before the model finished with a cut-off error after the text', async () => {
    const parts = await streamed([
      { type: 'stream-start', warnings: [] },
      { type: 'text-delta', id: 't', delta: 'The answer' },
    ]);
    expect(parts.map((part) => part.type)).toEqual(['stream-start', 'text-delta', 'error']);
    const error = (parts[2] as { error: BatonError }).error;
    expect(error).toMatchObject({ code: 'MODEL_CALL_FAILED', retryable: true, stepPath: 'ask' });
    expect(error.message).toContain('before the model finished its answer in step "ask"');
    expect(error.details).toEqual({ model: 'test:cut' });
  });

  it('turns a finish the provider marks interrupted into a cut-off error and an error finish', async () => {
    const parts = await streamed([
      { type: 'text-delta', id: 't', delta: 'The ans' },
      { type: 'finish', finishReason: { unified: 'interrupted' as 'other', raw: 'eof' }, usage: usage(3, 2) },
    ]);
    expect(parts.map((part) => part.type)).toEqual(['text-delta', 'error', 'finish']);
    expect((parts[1] as { error: BatonError }).error.code).toBe('MODEL_CALL_FAILED');
    expect((parts[2] as { finishReason: unknown }).finishReason).toEqual({ unified: 'error', raw: 'eof' });
  });

  it('keeps a finish after a provider error part from claiming a normal stop, adding no error of its own', async () => {
    const parts = await streamed([
      { type: 'error', error: new Error('bad chunk') },
      { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: usage(3, 2) },
    ]);
    expect(parts.map((part) => part.type)).toEqual(['error', 'finish']);
    expect((parts[1] as { finishReason: unknown }).finishReason).toEqual({ unified: 'error', raw: 'stop' });
  });

  it('adds no cut-off error to a stream whose provider already reported its error', async () => {
    const reported = { type: 'error', error: new Error('bad chunk') } as const;
    expect((await streamed([reported])).map((part) => part.type)).toEqual(['error']);
    const interrupted = await streamed([
      reported,
      { type: 'finish', finishReason: { unified: 'interrupted' as 'other', raw: 'eof' }, usage: usage(3, 2) },
    ]);
    expect(interrupted.map((part) => part.type)).toEqual(['error', 'finish']);
  });
});
