import { APICallError, generateText, streamText } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createModelRegistry,
  type ModelRetry,
  type ProviderConfig,
  RateLimiterPool,
} from '../../src/models/index.js';
import { startFixtureServer } from './fixture-server.js';
import { scaledClock } from './scaled-clock.js';

let server: Awaited<ReturnType<typeof startFixtureServer>> | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(script: string[]) {
  server = await startFixtureServer(script);
  return server;
}

function anthropic(url: string, provider: ProviderConfig = {}) {
  const retries: ModelRetry[] = [];
  const registry = createModelRegistry(
    {
      providers: { anthropic: { baseURL: `${url}/v1`, ...provider } },
      aliases: { smart: 'anthropic:claude-haiku-4-5' },
    },
    {
      env: { ANTHROPIC_API_KEY: 'sk-ant-test' },
      clock: scaledClock(),
      random: () => 0.5,
      rateLimiters: new RateLimiterPool(),
      onRetry: (retry) => retries.push(retry),
    },
  );
  const resolved = registry.resolve('smart', 'draft');
  return { ...resolved, retries };
}

const weather = {
  description: 'The weather in a city',
  inputSchema: z.object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']).optional() }),
};

describe('Anthropic messages through the registry', () => {
  it('brings text and usage through generateText, with the key from ANTHROPIC_API_KEY', async () => {
    const { url, requests } = await serve(['anthropic/messages-text']);
    const { model, id, pricing } = anthropic(url);
    const result = await generateText({ model, prompt: 'Say hello from Paris.', maxRetries: 0 });
    expect(id).toBe('anthropic:claude-haiku-4-5');
    expect(pricing).toEqual({ inputPerMillion: 1, outputPerMillion: 5, cachedInputPerMillion: 0.1 });
    expect(result.text).toBe('Bonjour! Paris is lovely in spring.');
    expect(result.usage).toMatchObject({ inputTokens: 21, outputTokens: 12 });
    expect(requests[0]?.url).toBe('/v1/messages');
    expect(requests[0]?.headers['x-api-key']).toBe('sk-ant-test');
    expect(requests[0]?.headers['anthropic-version']).toBeDefined();
    expect(requests[0]?.body).toMatchObject({ model: 'claude-haiku-4-5', messages: [{ role: 'user' }] });
  });

  it('brings text and tool use through generateText', async () => {
    const { url } = await serve(['anthropic/messages-tool-use']);
    const result = await generateText({
      model: anthropic(url).model,
      prompt: 'Weather in Paris?',
      tools: { get_weather: weather },
      maxRetries: 0,
    });
    expect(result.text).toBe("I'll look up the weather in Paris.");
    expect(result.toolCalls).toMatchObject([
      {
        toolCallId: 'toolu_01A09q90qw90lq917835lq9',
        toolName: 'get_weather',
        input: { city: 'Paris', unit: 'celsius' },
      },
    ]);
    expect(result.finishReason).toBe('tool-calls');
    expect(result.usage.inputTokenDetails.cacheReadTokens).toBe(256);
  });

  it('streams text deltas through streamText, skipping pings', async () => {
    const { url, requests } = await serve(['anthropic/messages-stream']);
    const result = streamText({ model: anthropic(url).model, prompt: 'Hello?', maxRetries: 0 });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas).toEqual(['Hello', ' from', ' Claude!']);
    expect((await result.usage).outputTokens).toBe(15);
    expect(requests[0]?.body).toMatchObject({ stream: true });
  });

  it('streams tool use whose input arrives in fragments', async () => {
    const { url } = await serve(['anthropic/messages-stream-tool-use']);
    const result = streamText({
      model: anthropic(url).model,
      prompt: 'Weather in Paris?',
      tools: { get_weather: weather },
      maxRetries: 0,
    });
    expect(await result.toolCalls).toMatchObject([{ toolName: 'get_weather', input: { city: 'Paris' } }]);
  });

  it('retries a 529 overloaded answer', async () => {
    const { url, requests } = await serve(['anthropic/overloaded', 'anthropic/messages-text']);
    const { model, retries } = anthropic(url);
    const result = await generateText({ model, prompt: 'Hello?', maxRetries: 0 });
    expect(result.text).toBe('Bonjour! Paris is lovely in spring.');
    expect(requests).toHaveLength(2);
    expect(retries).toMatchObject([{ model: 'anthropic:claude-haiku-4-5', retry: 1, delayMs: 500 }]);
  });

  it('retries a 429 after its Retry-After in seconds', async () => {
    const { url } = await serve(['anthropic/rate-limited', 'anthropic/messages-text']);
    const { model, retries } = anthropic(url);
    await generateText({ model, prompt: 'Hello?', maxRetries: 0 });
    // The Retry-After plus its jitter: random 0.5 of a fifth more.
    expect(retries.map((retry) => retry.delayMs)).toEqual([4_400]);
  });

  it('does not retry a 400, and keeps its body for the caller', async () => {
    const { url, requests } = await serve(['anthropic/invalid-request']);
    const error = await generateText({ model: anthropic(url).model, prompt: 'Hello?', maxRetries: 0 }).then(
      () => expect.unreachable('the call should fail'),
      (thrown: unknown) => thrown,
    );
    expect(requests).toHaveLength(1);
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 400, isRetryable: false });
    expect((error as APICallError).responseBody).toContain('maximum allowed number of output tokens');
  });
});
