import { generateText } from 'ai';
import { describe, expect, it } from 'vitest';
import { createModelRegistry, type ModelRetry, pricingOf, RateLimiterPool } from '../../src/models/index.js';
import { parseMockFault } from '../../src/models/mock-model.js';
import { scaledClock } from './scaled-clock.js';

describe('staged faults of the mock model', () => {
  it('fail the first calls as listed, with Retry-After, then answer', async () => {
    const retries: ModelRetry[] = [];
    const models = createModelRegistry(
      {},
      {
        env: {},
        clock: scaledClock(),
        rateLimiters: new RateLimiterPool(),
        onRetry: (retry) => retries.push(retry),
      },
    );
    const { model } = models.resolve('mock:smart?fail=429:2,500', 'answer');
    const { text } = await generateText({ model, prompt: 'Hi', maxRetries: 0 });
    expect(text).toMatch(/^Mock answer .* from mock:smart/);
    expect(retries.map((retry) => (retry.error as { statusCode?: number }).statusCode)).toEqual([429, 500]);
    // The provider's Retry-After of 2 s, with up to 20% jitter so callers told the same wait spread out.
    expect(retries[0]?.delayMs).toBeGreaterThanOrEqual(2_000);
    expect(retries[0]?.delayMs).toBeLessThanOrEqual(2_400);
  });

  it('come from the provider config too, and a timeout ends at the provider timeout', async () => {
    const models = createModelRegistry(
      {
        providers: {
          flaky: { type: 'mock', failures: ['timeout'], timeoutMs: 50, retry: { maxRetries: 0 } },
        },
      },
      { env: {}, rateLimiters: new RateLimiterPool() },
    );
    const { model } = models.resolve('flaky:any', 'answer');
    await expect(generateText({ model, prompt: 'Hi', maxRetries: 0 })).rejects.toThrow(
      /did not answer within 50 ms/,
    );
    await expect(generateText({ model, prompt: 'Hi', maxRetries: 0 })).resolves.toBeDefined();
  });

  it('name a fault they cannot read', () => {
    expect(parseMockFault('429:1.5')).toEqual({ status: 429, retryAfterSeconds: 1.5 });
    expect(() => parseMockFault('slow')).toThrow(/"slow" is not a mock fault/);
  });
});

describe('mock prices', () => {
  it('differ between the fast and the smart mock, so routing shows a saving', () => {
    const fast = pricingOf('mock:fast');
    const smart = pricingOf('mock:smart');
    expect(fast?.inputPerMillion).toBeLessThan(smart?.inputPerMillion ?? 0);
    expect(fast?.outputPerMillion).toBeLessThan(smart?.outputPerMillion ?? 0);
  });
});
