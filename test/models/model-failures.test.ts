import { afterEach, describe, expect, it } from 'vitest';
import { type BatonEvent, createEngine } from '../../src/core/index.js';
import { createModelRegistry, type ProviderConfig, RateLimiterPool } from '../../src/models/index.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { define } from '../core/fixtures.js';
import { type Fixture, type FixtureHandler, loadFixture, startFixtureServer } from './fixture-server.js';
import { scaledClock } from './scaled-clock.js';

let server: Awaited<ReturnType<typeof startFixtureServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Runs one llm step against a loopback OpenAI server; returns the step's error and the events. */
async function failOn(script: string[] | FixtureHandler, provider: Partial<ProviderConfig> = {}) {
  server = await startFixtureServer(script);
  const models = createModelRegistry(
    { providers: { openai: { baseURL: `${server.url}/v1`, apiKey: 'sk-test', ...provider } } },
    { env: {}, clock: scaledClock(), rateLimiters: new RateLimiterPool() },
  );
  const engine = createEngine({ store: new MemoryStore(), models });
  const events: BatonEvent[] = [];
  engine.subscribe((event) => events.push(event));
  const result = await engine.run(
    define({
      steps: [
        { id: 'ask', kind: 'llm', model: 'openai:gpt-4o-mini', prompt: 'Hi', retry: { maxAttempts: 1 } },
      ],
    }),
  );
  expect(result.status).toBe('failed');
  const error = events.flatMap((event) => (event.type === 'step-error' ? [event.error] : []))[0];
  const retries = events.flatMap((event) => (event.type === 'model-retry' ? [event] : []));
  return { error, retries };
}

describe('a model call that fails for good', () => {
  it('says how many attempts were made, with an event for each retry', async () => {
    const { error, retries } = await failOn(['openai/server-error'], { retry: { maxRetries: 2 } });
    expect(error?.message).toMatch(/after 3 attempts: HTTP 500/);
    expect(error?.details).toMatchObject({ attempts: 3, statusCode: 500 });
    expect(retries.map((event) => [event.retry, event.statusCode, event.model])).toEqual([
      [1, 500, 'openai:gpt-4o-mini'],
      [2, 500, 'openai:gpt-4o-mini'],
    ]);
    expect(retries.every((event) => event.delayMs >= 0 && event.error.code === 'MODEL_CALL_FAILED')).toBe(
      true,
    );
  });

  it('hints at the provider, not the key, on a 500', async () => {
    const { error } = await failOn(['openai/server-error'], { retry: { maxRetries: 0 } });
    expect(error?.hint).not.toMatch(/key/);
    expect(error?.hint).toMatch(/fallback model/);
  });

  it('says the answer broke off, not "HTTP 200", when the connection drops mid-answer', async () => {
    const dropped: Fixture = {
      response: {
        status: 200,
        headers: { 'content-type': 'application/json' },
        events: [
          '{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assis',
        ],
        truncate: true,
      },
    };
    for (const script of [() => dropped, ['openai/malformed']] as const) {
      const { error } = await failOn(script as FixtureHandler | string[], { retry: { maxRetries: 0 } });
      expect(error?.message).not.toMatch(/HTTP 200/);
      expect(error?.message).toMatch(/broke off|could not be read/);
      expect(error?.hint).toMatch(/connection/);
      await server?.close();
      server = undefined;
    }
  });

  it('suggests a rate limit only when none is set', async () => {
    const without = await failOn(['openai/rate-limited'], { retry: { maxRetries: 0 } });
    expect(without.error?.code).toBe('RATE_LIMITED');
    expect(without.error?.hint).toMatch(/Set models\.providers\.openai\.rateLimit/);
    expect(without.error?.message).toMatch(/asked to wait 1\.5 s/);
    await server?.close();
    const limited = await failOn(['openai/rate-limited'], {
      retry: { maxRetries: 0 },
      rateLimit: { requestsPerMinute: 100 },
    });
    expect(limited.error?.hint).toMatch(/already limits openai's rate/);
  });

  it('says how long the provider asked to wait when that is past maxRetryAfterMs', async () => {
    const longWait = loadFixture('openai/rate-limited-seconds');
    longWait.response.headers = { 'content-type': 'application/json', 'retry-after': '120' };
    const { error, retries } = await failOn(() => longWait, {
      retry: { maxRetries: 3, maxRetryAfterMs: 60_000 },
    });
    expect(retries).toEqual([]);
    expect(error?.message).toMatch(/asked to wait 120 s, longer than maxRetryAfterMs \(60 s\)/);
    expect(error?.retryAfterMs).toBe(120_000);
  });
});
