import { generateText } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { createModelRegistry, type ProviderConfig, RateLimiterPool } from '../../src/models/index.js';
import { startRateLimitedServer } from './fixture-server.js';

// Time scaled down 100 times: the server's "minute" is 600 ms.
const windowMs = 600;
const limit = 60;

let server: Awaited<ReturnType<typeof startRateLimitedServer>> | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A server that answers 429 to any request beyond `limit` in the last `windowMs`, as it counts them. */
async function startLimitedServer() {
  server = await startRateLimitedServer(limit, windowMs);
  return server;
}

/** 200 calls made by 20 callers at once, each making 10 in a row. */
async function burst(provider: ProviderConfig) {
  const registry = createModelRegistry(
    { providers: { openai: provider } },
    { env: {}, rateLimiters: new RateLimiterPool() },
  );
  const { model } = registry.resolve('openai:gpt-4o-mini', 'burst');
  const outcomes: Array<'ok' | 'failed'> = [];
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      for (let call = 0; call < 10; call++) {
        const outcome = await generateText({ model, prompt: 'Capital of France?', maxRetries: 0 }).then(
          () => 'ok' as const,
          () => 'failed' as const,
        );
        outcomes.push(outcome);
      }
    }),
  );
  return outcomes;
}

describe('the per-provider rate limiter against a server that enforces 60 requests per minute', () => {
  it('makes bursts wait, so no call fails and the server sends no 429', async () => {
    const { url, stats } = await startLimitedServer();
    const outcomes = await burst({
      baseURL: `${url}/v1`,
      apiKey: 'sk-test',
      // No retries: every call must get through on its first attempt.
      retry: { maxRetries: 0 },
      // The server shares this test process's event loop, so on a busy machine it reads a request
      // hundreds of milliseconds after its headers were sent, which at this scale (a "minute" of
      // 600 ms) is most of a window. A server of its own reads it on arrival (npm run bench).
      rateLimit: { requestsPerMinute: limit, windowMs, sendAllowanceMs: 2_000 },
    });
    expect(outcomes.filter((outcome) => outcome === 'ok')).toHaveLength(200);
    expect(stats).toEqual({ accepted: 200, rejected: 0 });
  });

  it('is what keeps the server quiet: without it the same burst draws 429s', async () => {
    const { url, stats } = await startLimitedServer();
    const outcomes = await burst({ baseURL: `${url}/v1`, apiKey: 'sk-test', retry: { maxRetries: 0 } });
    expect(stats.rejected).toBeGreaterThan(0);
    expect(outcomes.filter((outcome) => outcome === 'failed')).toHaveLength(stats.rejected);
  });
});
