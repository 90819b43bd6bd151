import {
  APICallError,
  type LanguageModelV4,
  type LanguageModelV4CallOptions,
  type LanguageModelV4StreamPart,
} from '@ai-sdk/provider';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/core/index.js';
import { createResilientModel, RateLimiter } from '../../src/models/index.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(() => {
  vi.useRealTimers();
});

const call: LanguageModelV4CallOptions = {
  prompt: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
};
const usage = (input: number | undefined, output: number | undefined) => ({
  inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: output, text: output, reasoning: undefined },
});
const answer = (tokens = usage(1, 1)) => ({
  content: [{ type: 'text' as const, text: 'ok' }],
  finishReason: { unified: 'stop' as const, raw: 'stop' },
  usage: tokens,
  warnings: [],
});

/** A model whose calls take `delayMs` and whose streams send `parts`, one every `delayMs`. */
function slow(delayMs: number, parts: LanguageModelV4StreamPart[] = [], onCancel?: () => void) {
  const signals: Array<AbortSignal | undefined> = [];
  const model: LanguageModelV4 = {
    specificationVersion: 'v4',
    provider: 'test',
    modelId: 'slow',
    supportedUrls: {},
    doGenerate: async (options) => {
      signals.push(options.abortSignal);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return answer();
    },
    doStream: async (options) => {
      signals.push(options.abortSignal);
      let index = 0;
      return {
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          async pull(controller) {
            await new Promise((resolve) => setTimeout(resolve, delayMs));
            const part = parts[index++];
            if (part) controller.enqueue(part);
            else controller.close();
          },
          cancel: () => onCancel?.(),
        }),
      };
    },
  };
  return { model, signals };
}

const finish = (input: number, output: number): LanguageModelV4StreamPart => ({
  type: 'finish',
  finishReason: { unified: 'stop', raw: 'stop' },
  usage: usage(input, output),
});

async function readAll(stream: ReadableStream<LanguageModelV4StreamPart>, stepMs = 100) {
  const reader = stream.getReader();
  const parts: LanguageModelV4StreamPart[] = [];
  for (;;) {
    const next = reader.read();
    await vi.advanceTimersByTimeAsync(stepMs);
    const { done, value } = await next;
    if (done) return parts;
    parts.push(value);
  }
}

describe('createResilientModel without a timeout', () => {
  it('lets a slow call and a slow stream take as long as they take', async () => {
    const { model } = slow(5_000, [{ type: 'stream-start', warnings: [] }, finish(1, 1)]);
    const resilient = createResilientModel(model, { id: 'test:slow' });
    const result = resilient.doGenerate(call);
    await vi.advanceTimersByTimeAsync(5_000);
    await expect(result).resolves.toMatchObject({ content: [{ type: 'text', text: 'ok' }] });
    const { stream } = await resilient.doStream(call);
    expect((await readAll(stream, 5_000)).map((part) => part.type)).toEqual(['stream-start', 'finish']);
  });
});

describe('createResilientModel timers', () => {
  it('leaves no timer behind after a call or a stream that ended in time', async () => {
    const { model, signals } = slow(10, [{ type: 'stream-start', warnings: [] }, finish(1, 1)]);
    const resilient = createResilientModel(model, { id: 'test:slow', timeoutMs: 1_000 });
    const result = resilient.doGenerate(call);
    await vi.advanceTimersByTimeAsync(10);
    await result;
    expect(vi.getTimerCount()).toBe(0);
    const { stream } = await resilient.doStream(call);
    await readAll(stream, 10);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(signals.map((signal) => signal?.aborted)).toEqual([false, false]);
  });

  it('cancels the upstream stream that went quiet', async () => {
    let cancelled = false;
    const { model } = slow(60_000, [{ type: 'stream-start', warnings: [] }], () => {
      cancelled = true;
    });
    const resilient = createResilientModel(model, { id: 'test:slow', timeoutMs: 1_000 });
    const { stream } = await resilient.doStream(call);
    const parts = await readAll(stream, 1_000);
    expect(parts.map((part) => part.type)).toEqual(['error']);
    expect(cancelled).toBe(true);
  });

  it('aborts the upstream stream when the caller aborts', async () => {
    const { model, signals } = slow(10, [{ type: 'stream-start', warnings: [] }, finish(1, 1)]);
    const resilient = createResilientModel(model, { id: 'test:slow', timeoutMs: 1_000 });
    const controller = new AbortController();
    await resilient.doStream({ ...call, abortSignal: controller.signal });
    controller.abort(new Error('caller left'));
    expect(signals[0]?.aborted).toBe(true);
  });
});

describe('createResilientModel without a rate limiter', () => {
  it('streams to the end and passes on a provider error as it is', async () => {
    const { model } = slow(10, [{ type: 'stream-start', warnings: [] }, finish(1, 1)]);
    const resilient = createResilientModel(model, { id: 'test:slow' });
    const { stream } = await resilient.doStream(call);
    expect((await readAll(stream, 10)).map((part) => part.type)).toEqual(['stream-start', 'finish']);
    const refused = new APICallError({
      message: 'HTTP 400',
      url: 'http://127.0.0.1/v1',
      requestBodyValues: {},
      statusCode: 400,
    });
    const failing = createResilientModel(
      { ...model, doStream: () => Promise.reject(refused) },
      { id: 'test:bad' },
    );
    await expect(failing.doStream(call)).rejects.toBe(refused);
  });
});

describe('createResilientModel token counts', () => {
  it('keeps counting the estimate when the provider reports no usage', async () => {
    const limiter = new RateLimiter({ tokensPerMinute: 1_000_000, windowMs: 1_000 }, systemClock);
    const { model } = slow(0);
    const silent = { ...model, doGenerate: async () => answer(usage(undefined, undefined)) };
    const resilient = createResilientModel(silent, { id: 'test:silent', limiter });
    await resilient.doGenerate({ ...call, maxOutputTokens: 600_000 });
    // The estimate holds 600,000 tokens or more of the window: 500,000 more must wait.
    let granted = false;
    void limiter.acquire(500_000).then(() => {
      granted = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toBe(false);
  });

  it('counts the usage of the finish part even when parts follow it', async () => {
    const limiter = new RateLimiter({ tokensPerMinute: 100, windowMs: 1_000 }, systemClock);
    const { model } = slow(10, [
      { type: 'stream-start', warnings: [] },
      finish(30, 50),
      { type: 'raw', rawValue: { note: 'after finish' } },
    ]);
    const resilient = createResilientModel(model, { id: 'test:slow', limiter });
    const { stream } = await resilient.doStream({ ...call, maxOutputTokens: 10 });
    await readAll(stream, 10);
    let granted = false;
    void limiter.acquire(21).then(() => {
      granted = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toBe(false);
  });

  it('holds every caller back after a 429 that had no Retry-After was followed by one that had', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 1_000 }, systemClock);
    const tooMany = (headers: Record<string, string>) =>
      new APICallError({
        message: 'HTTP 429',
        url: 'http://127.0.0.1/v1',
        requestBodyValues: {},
        statusCode: 429,
        responseHeaders: headers,
      });
    let calls = 0;
    const { model } = slow(0);
    const limited = {
      ...model,
      doGenerate: async () => {
        calls++;
        if (calls === 1) throw tooMany({});
        if (calls === 2) throw tooMany({ 'retry-after': '2' });
        return answer();
      },
    };
    const resilient = createResilientModel(limited, { id: 'test:limited', limiter, random: () => 0 });
    const result = resilient.doGenerate(call);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toBe(2);
    let otherAt: number | undefined;
    void limiter.acquire(0).then(() => {
      otherAt = Date.now();
    });
    await vi.advanceTimersByTimeAsync(2_000);
    await result;
    expect(otherAt).toBe(2_000);
  });
});

describe('RateLimiter wake-ups', () => {
  it('wakes a waiter earlier when new limits shorten its wait', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 1, windowMs: 10_000 }, systemClock);
    const first = await limiter.acquire(0);
    first.release();
    let grantedAt: number | undefined;
    void limiter.acquire(0).then(() => {
      grantedAt = Date.now();
    });
    await vi.advanceTimersByTimeAsync(0);
    limiter.setLimits({ requestsPerMinute: 1, windowMs: 1_000 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(grantedAt).toBe(1_000);
  });
});
