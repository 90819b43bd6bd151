import { afterEach, describe, expect, it } from 'vitest';
import { type BatonEvent, createEngine, type ModelResolver } from '../../src/core/index.js';
import { createModelRegistry, type ModelConfig, RateLimiterPool } from '../../src/models/index.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { define } from '../core/fixtures.js';
import { startFixtureServer } from './fixture-server.js';

let server: Awaited<ReturnType<typeof startFixtureServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A registry whose `openai` provider always answers 401 (not retryable) from a loopback server. */
async function registryWithBrokenOpenai(config: ModelConfig) {
  server = await startFixtureServer(['openai/unauthorized']);
  return createModelRegistry(
    { ...config, providers: { openai: { baseURL: `${server.url}/v1`, apiKey: 'sk-test' } } },
    { env: {}, rateLimiters: new RateLimiterPool() },
  );
}

async function runOnce(models: ModelResolver, step: Record<string, unknown>) {
  const engine = createEngine({ store: new MemoryStore(), models });
  const events: BatonEvent[] = [];
  engine.subscribe((event) => events.push(event));
  const result = await engine.run(
    define({ steps: [{ id: 'ask', kind: 'llm', prompt: 'Hi', retry: { maxAttempts: 1 }, ...step }] }),
  );
  const fallbacks = events.flatMap((event) =>
    event.type === 'model-fallback' ? [[event.from, event.to]] : [],
  );
  const answered = events.flatMap((event) => (event.type === 'model-call' ? [event.model] : []));
  return { result, fallbacks, answered };
}

const aliases = { smart: ['openai:broken', 'mock:backup'], fast: 'mock:fast' };

describe('alias fallback chains', () => {
  it.each([
    ['model: smart', { model: 'smart' }],
    ['model: [smart]', { model: ['smart'] }],
  ])('fall back along the alias with %s', async (_label, step) => {
    const models = await registryWithBrokenOpenai({ aliases });
    const { result, fallbacks, answered } = await runOnce(models, step);
    expect(result.status).toBe('succeeded');
    expect(fallbacks).toEqual([['openai:broken', 'mock:backup']]);
    expect(answered).toEqual(['mock:backup']);
  });

  it('fall back along the alias named by models.default', async () => {
    const models = await registryWithBrokenOpenai({ aliases, default: 'smart' });
    const { result, fallbacks } = await runOnce(models, {});
    expect(result.status).toBe('succeeded');
    expect(fallbacks).toEqual([['openai:broken', 'mock:backup']]);
  });

  it('flatten a list of aliases in order, nested aliases expanded, repeats dropped', async () => {
    const models = await registryWithBrokenOpenai({
      aliases: { ...aliases, both: ['smart', 'fast'], broken: 'openai:broken' },
    });
    expect(models.aliasChain('both')).toEqual(['openai:broken', 'mock:backup', 'mock:fast']);
    const { fallbacks } = await runOnce(
      {
        resolve: (name, path) => models.resolve(name, path),
        aliasChain: (name) => models.aliasChain(name),
      },
      { model: ['broken', 'smart', 'fast'] },
    );
    expect(fallbacks).toEqual([['openai:broken', 'mock:backup']]);
  });
});

describe('the model named default', () => {
  it('is the default model however it was chosen, unless an alias takes the name', () => {
    const fromConfig = createModelRegistry({ default: 'mock:chosen' }, { env: {} });
    expect(fromConfig.aliasChain('default')).toEqual(['mock:chosen']);
    expect(fromConfig.resolve('default', 'ask').id).toBe('mock:chosen');
    const fromEnvironment = createModelRegistry({}, { env: { BATON_MODEL: 'mock:env' } });
    expect(fromEnvironment.resolve('default', 'ask').id).toBe('mock:env');
    const aliased = createModelRegistry({ aliases: { default: 'mock:aliased' } }, { env: {} });
    expect(aliased.resolve('default', 'ask').id).toBe('mock:aliased');
  });
});
