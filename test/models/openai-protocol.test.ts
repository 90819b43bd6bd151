import { APICallError, generateText, streamText } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BatonError, retryAfterOf } from '../../src/core/index.js';
import {
  createModelRegistry,
  type ModelRetry,
  type ProviderConfig,
  RateLimiterPool,
} from '../../src/models/index.js';
import { startFixtureServer } from './fixture-server.js';
import { scaledClock } from './scaled-clock.js';

type Server = Awaited<ReturnType<typeof startFixtureServer>>;
let server: Server | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(script: Parameters<typeof startFixtureServer>[0]) {
  server = await startFixtureServer(script);
  return server;
}

function openai(url: string, provider: ProviderConfig = {}) {
  const retries: ModelRetry[] = [];
  const registry = createModelRegistry(
    { providers: { openai: { baseURL: `${url}/v1`, apiKey: 'sk-test-1234', ...provider } } },
    {
      env: {},
      clock: scaledClock(),
      random: () => 0.5,
      rateLimiters: new RateLimiterPool(),
      onRetry: (retry) => retries.push(retry),
    },
  );
  const { model } = registry.resolve('openai:gpt-4o-mini', 'ask');
  return { model, retries };
}

const weather = {
  description: 'The weather in a city',
  inputSchema: z.object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']).optional() }),
};

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('the call should fail'),
    (error: unknown) => error,
  );
}

describe('OpenAI chat completions through the registry', () => {
  it('brings text and usage through generateText', async () => {
    const { url, requests } = await serve(['openai/chat-text']);
    const result = await generateText({
      model: openai(url).model,
      prompt: 'What is the capital of France?',
      maxRetries: 0,
    });
    expect(result.text).toBe('Paris is the capital of France.');
    expect(result.usage.inputTokens).toBe(14);
    expect(result.usage.outputTokens).toBe(8);
    expect(requests[0]?.url).toBe('/v1/chat/completions');
    expect(requests[0]?.headers.authorization).toBe('Bearer sk-test-1234');
    expect(requests[0]?.body).toMatchObject({ model: 'gpt-4o-mini', messages: [{ role: 'user' }] });
  });

  it('brings tool calls and cached tokens through generateText', async () => {
    const { url, requests } = await serve(['openai/chat-tool-calls']);
    const result = await generateText({
      model: openai(url).model,
      prompt: 'Weather in Paris?',
      tools: { get_weather: weather },
      maxRetries: 0,
    });
    expect(result.toolCalls).toMatchObject([
      {
        toolName: 'get_weather',
        toolCallId: 'call_Xq2Yk1wF0cTn8dVb5rLm3sHa',
        input: { city: 'Paris', unit: 'celsius' },
      },
    ]);
    expect(result.finishReason).toBe('tool-calls');
    expect(result.usage.inputTokenDetails.cacheReadTokens).toBe(64);
    expect(requests[0]?.body).toMatchObject({
      tools: [{ type: 'function', function: { name: 'get_weather' } }],
    });
  });

  it('streams text deltas and usage through streamText', async () => {
    const { url, requests } = await serve(['openai/chat-stream']);
    const result = streamText({ model: openai(url).model, prompt: 'Begin a story.', maxRetries: 0 });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas).toEqual(['Once', ' upon', ' a', ' time', '.']);
    expect(await result.text).toBe('Once upon a time.');
    expect((await result.usage).outputTokens).toBe(5);
    expect(requests[0]?.body).toMatchObject({ stream: true });
  });

  it('streams a tool call whose arguments arrive in fragments', async () => {
    const { url } = await serve(['openai/chat-stream-tool-call']);
    const result = streamText({
      model: openai(url).model,
      prompt: 'Weather in Paris?',
      tools: { get_weather: weather },
      maxRetries: 0,
    });
    expect(await result.toolCalls).toMatchObject([{ toolName: 'get_weather', input: { city: 'Paris' } }]);
    expect(await result.finishReason).toBe('tool-calls');
  });

  it('retries a 429 after its Retry-After, preferring retry-after-ms', async () => {
    const { url, requests } = await serve(['openai/rate-limited', 'openai/chat-text']);
    const { model, retries } = openai(url);
    const result = await generateText({ model, prompt: 'Capital of France?', maxRetries: 0 });
    expect(result.text).toBe('Paris is the capital of France.');
    expect(requests).toHaveLength(2);
    // The Retry-After plus its jitter: random 0.5 of a fifth more.
    expect(retries.map((retry) => retry.delayMs)).toEqual([1_650]);
  });

  it('reads a Retry-After given in seconds', async () => {
    const { url } = await serve(['openai/rate-limited-seconds', 'openai/chat-text']);
    const { model, retries } = openai(url);
    await generateText({ model, prompt: 'Capital of France?', maxRetries: 0 });
    // The Retry-After plus its jitter: random 0.5 of a fifth more.
    expect(retries.map((retry) => retry.delayMs)).toEqual([3_300]);
  });

  it('retries a 500 with exponential backoff and full jitter', async () => {
    const { url, requests } = await serve(['openai/server-error', 'openai/server-error', 'openai/chat-text']);
    const { model, retries } = openai(url, { retry: { initialDelayMs: 1_000 } });
    const result = await generateText({ model, prompt: 'Capital of France?', maxRetries: 0 });
    expect(result.text).toBe('Paris is the capital of France.');
    expect(requests).toHaveLength(3);
    // Half (the jitter) of ceilings that double: 1000, then 2000.
    expect(retries.map((retry) => retry.delayMs)).toEqual([500, 1_000]);
  });

  it('hands the caller the last 429 with its status, headers and body once retries run out', async () => {
    const { url, requests } = await serve(['openai/rate-limited']);
    const { model } = openai(url, { retry: { maxRetries: 2 } });
    const error = await failureOf(generateText({ model, prompt: 'Capital of France?', maxRetries: 0 }));
    expect(requests).toHaveLength(3);
    expect(APICallError.isInstance(error)).toBe(true);
    const apiError = error as APICallError;
    expect(apiError.statusCode).toBe(429);
    expect(apiError.responseHeaders?.['retry-after-ms']).toBe('1500');
    expect(apiError.responseBody).toContain('rate_limit_exceeded');
    expect(apiError.isRetryable).toBe(true);
    expect(retryAfterOf(apiError.responseHeaders, Date.now())).toBe(1_500);
  });

  it('does not retry a 401, and says so in the error', async () => {
    const { url, requests } = await serve(['openai/unauthorized']);
    const { model, retries } = openai(url);
    const error = await failureOf(generateText({ model, prompt: 'Hi', maxRetries: 0 }));
    expect(requests).toHaveLength(1);
    expect(retries).toEqual([]);
    expect(error).toMatchObject({ statusCode: 401, isRetryable: false });
    expect((error as Error).message).toContain('Incorrect API key');
  });

  it('fails an attempt that outlasts its timeout, then retries it', async () => {
    const { url, requests } = await serve(['openai/slow']);
    const { model, retries } = openai(url, { timeoutMs: 10_000, retry: { maxRetries: 1 } });
    const error = await failureOf(generateText({ model, prompt: 'Hi', maxRetries: 0 }));
    expect(requests).toHaveLength(2);
    expect(retries).toHaveLength(1);
    expect(BatonError.is(error, 'MODEL_CALL_FAILED')).toBe(true);
    expect(error).toMatchObject({ retryable: true, stepPath: 'ask', details: { timeoutMs: 10_000 } });
    expect((error as Error).message).toBe(
      'Model openai:gpt-4o-mini did not answer within 10000 ms in step "ask".',
    );
  });

  it('reports a malformed JSON answer without retrying it', async () => {
    const { url, requests } = await serve(['openai/malformed']);
    const { model } = openai(url);
    const error = await failureOf(generateText({ model, prompt: 'Hi', maxRetries: 0 }));
    expect(requests).toHaveLength(1);
    expect((error as Error).message).toMatch(/JSON/i);
    expect((error as { isRetryable?: boolean }).isRetryable ?? false).toBe(false);
  });

  it('keeps the text of a stream cut off mid-answer and reports the break', async () => {
    const { url } = await serve(['openai/chat-stream-truncated']);
    const errors: unknown[] = [];
    const result = streamText({
      model: openai(url).model,
      prompt: 'Hi',
      maxRetries: 0,
      onError: ({ error }) => {
        errors.push(error);
      },
    });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas.join('')).toBe('The answer is');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ statusCode: 200, cause: { message: 'terminated' } });
  });

  it('ends a stalled stream with a timeout error', async () => {
    const { url } = await serve(['openai/chat-stream-stalled']);
    const errors: unknown[] = [];
    const result = streamText({
      model: openai(url, { timeoutMs: 10_000 }).model,
      prompt: 'Hi',
      maxRetries: 0,
      onError: ({ error }) => {
        errors.push(error);
      },
    });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas).toEqual(['Thinking']);
    expect(errors).toHaveLength(1);
    expect(BatonError.is(errors[0], 'MODEL_CALL_FAILED')).toBe(true);
  });

  it('retries a refused connection, then hands over the connection error', async () => {
    const { url } = await serve(['openai/chat-text']);
    await server?.close();
    server = undefined;
    const { model, retries } = openai(url, { retry: { maxRetries: 2 } });
    const error = await failureOf(generateText({ model, prompt: 'Hi', maxRetries: 0 }));
    expect(retries).toHaveLength(2);
    expect(error).toMatchObject({ isRetryable: true });
    expect(APICallError.isInstance(error)).toBe(true);
  });
});
