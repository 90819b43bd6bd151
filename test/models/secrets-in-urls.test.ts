import { afterEach, describe, expect, it } from 'vitest';
import { type BatonEvent, createEngine } from '../../src/core/index.js';
import { createModelRegistry, RateLimiterPool } from '../../src/models/index.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { define } from '../core/fixtures.js';
import { startFixtureServer } from './fixture-server.js';

let server: Awaited<ReturnType<typeof startFixtureServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const secret = 'sk-live-0123456789abcdef';

async function failingRun(baseURL: string) {
  const models = createModelRegistry(
    { providers: { openai: { baseURL, apiKey: 'sk-test', retry: { maxRetries: 0 } } } },
    { env: {}, rateLimiters: new RateLimiterPool() },
  );
  const store = new MemoryStore();
  const engine = createEngine({ store, models });
  const events: BatonEvent[] = [];
  engine.subscribe((event) => events.push(event));
  const result = await engine.run(
    define({
      steps: [
        { id: 'ask', kind: 'llm', model: 'openai:gpt-4o-mini', prompt: 'Hi', retry: { maxAttempts: 1 } },
      ],
    }),
  );
  const records = [await store.getRun(result.runId), ...(await store.listSteps(result.runId))];
  return { result, text: JSON.stringify([result.error?.message, result.error, events, records]) };
}

describe('credentials written into a base URL', () => {
  it('never appear in errors, events or journal records when the server fails', async () => {
    server = await startFixtureServer(['openai/server-error']);
    const { result, text } = await failingRun(`${server.url.replace('//', `//user:${secret}@`)}/v1`);
    expect(result.status).toBe('failed');
    expect(text).not.toContain(secret);
    expect(text).toContain('user:***@');
  });

  it('never appear when the server cannot be reached', async () => {
    const { result, text } = await failingRun(`http://user:${secret}@127.0.0.1:9/v1?api_key=${secret}`);
    expect(result.status).toBe('failed');
    expect(text).not.toContain(secret);
  });
});
