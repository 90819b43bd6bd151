import { afterEach, describe, expect, it } from 'vitest';
import { type BatonEvent, createEngine, type ModelResolver } from '../../src/core/index.js';
import { createModelRegistry, RateLimiterPool } from '../../src/models/index.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { define } from '../core/fixtures.js';
import { startFixtureServer } from './fixture-server.js';
import { scaledClock } from './scaled-clock.js';

/** An engine on a memory store with these models, recording its events. */
function setup(models: ModelResolver) {
  const engine = createEngine({ store: new MemoryStore(), models });
  const events: BatonEvent[] = [];
  engine.subscribe((event) => events.push(event));
  const ofType = <T extends BatonEvent['type']>(type: T) =>
    events.filter((event): event is Extract<BatonEvent, { type: T }> => event.type === type);
  return { engine, ofType };
}

let server: Awaited<ReturnType<typeof startFixtureServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('workflows on the model registry', () => {
  it('runs an llm step on an alias of the mock model, with usage and cost', async () => {
    const models = createModelRegistry({ aliases: { fast: 'mock:fast' } }, { env: {} });
    const { engine, ofType } = setup(models);
    const schema = {
      type: 'object',
      properties: { verdict: { type: 'string', enum: ['approve', 'reject'] } },
      required: ['verdict'],
      additionalProperties: false,
    };
    const result = await engine.run(
      define({
        steps: [{ id: 'review', kind: 'llm', model: 'fast', prompt: 'Approve the claim?', output: schema }],
      }),
    );
    expect(result.status).toBe('succeeded');
    expect(['approve', 'reject']).toContain(
      (result.output as { review: { verdict: string } }).review.verdict,
    );
    const [call] = ofType('model-call');
    expect(call).toMatchObject({ path: 'review', model: 'mock:fast' });
    expect(call?.usage.inputTokens).toBeGreaterThan(0);
    expect(call?.costUsd).toBeGreaterThan(0);
  });

  it('fails a step RATE_LIMITED with the Retry-After once the provider keeps answering 429', async () => {
    server = await startFixtureServer(['openai/rate-limited']);
    const models = createModelRegistry(
      { providers: { openai: { baseURL: `${server.url}/v1`, apiKey: 'sk-test', retry: { maxRetries: 1 } } } },
      { env: {}, clock: scaledClock(), rateLimiters: new RateLimiterPool() },
    );
    const { engine, ofType } = setup(models);
    const result = await engine.run(
      define({
        steps: [
          { id: 'ask', kind: 'llm', model: 'openai:gpt-4o-mini', prompt: 'Hi', retry: { maxAttempts: 1 } },
        ],
      }),
    );
    expect(result.status).toBe('failed');
    expect(server.requests).toHaveLength(2);
    expect(ofType('step-error')[0]?.error).toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
      retryAfterMs: 1_500,
    });
  });
});
