import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateText } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { BatonError } from '../../src/core/index.js';
import { createModelRegistry, type ModelConfig, type ModelRegistryOptions } from '../../src/models/index.js';
import { startFixtureServer } from './fixture-server.js';
import { storiesModelPath } from './test-models.js';

const stories = storiesModelPath;
const emptyCache = mkdtempSync(join(tmpdir(), 'baton-models-'));

function registry(
  config: ModelConfig = {},
  env: Record<string, string> = {},
  options: ModelRegistryOptions = {},
) {
  return createModelRegistry(config, { env: { BATON_MODEL_CACHE: emptyCache, ...env }, ...options });
}

function thrown(action: () => unknown): BatonError {
  try {
    action();
  } catch (error) {
    if (BatonError.is(error)) return error;
    throw error;
  }
  return expect.unreachable('expected a BatonError');
}

let server: Awaited<ReturnType<typeof startFixtureServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('createModelRegistry', () => {
  it('resolves provider:model with its price, dated snapshots priced as their model', () => {
    const models = registry({}, { OPENAI_API_KEY: 'sk-test' });
    expect(models.resolve('openai:gpt-4o-mini', 'ask')).toMatchObject({
      id: 'openai:gpt-4o-mini',
      pricing: { inputPerMillion: 0.15, outputPerMillion: 0.6, cachedInputPerMillion: 0.075 },
    });
    expect(models.resolve('openai:gpt-4o-2024-08-06', 'ask').pricing).toEqual({
      inputPerMillion: 2.5,
      outputPerMillion: 10,
      cachedInputPerMillion: 1.25,
    });
  });

  it('resolves an alias to its first model, and gives the whole chain through aliasChain', () => {
    const models = registry(
      {
        aliases: {
          fast: 'openai:gpt-4o-mini',
          smart: ['anthropic:claude-sonnet-4-5', 'fast'],
          careful: ['smart', 'together:meta-llama/Llama-3.3-70B-Instruct-Turbo'],
        },
      },
      { OPENAI_API_KEY: 'sk-test', ANTHROPIC_API_KEY: 'sk-ant', TOGETHER_API_KEY: 'tg' },
    );
    expect(models.resolve('smart', 'draft').id).toBe('anthropic:claude-sonnet-4-5');
    expect(models.aliasChain('careful')).toEqual([
      'anthropic:claude-sonnet-4-5',
      'openai:gpt-4o-mini',
      'together:meta-llama/Llama-3.3-70B-Instruct-Turbo',
    ]);
    expect(models.aliasChain('openai:gpt-4o')).toEqual(['openai:gpt-4o']);
    expect(models.resolve('careful', 'draft').pricing).toEqual({
      inputPerMillion: 3,
      outputPerMillion: 15,
      cachedInputPerMillion: 0.3,
    });
  });

  it('names the step and lists the aliases and providers when a model is unknown', () => {
    const models = registry({ aliases: { fast: 'mock:fast', smart: 'mock:smart' } });
    const error = thrown(() => models.resolve('quick', 'review[3]'));
    expect(error.code).toBe('MODEL_NOT_FOUND');
    expect(error.stepPath).toBe('review[3]');
    expect(error.message).toBe(
      'Step "review[3]" asks for model "quick", which is neither an alias nor provider:model.',
    );
    expect(error.hint).toContain('Configured aliases: fast, smart.');
    expect(error.hint).toContain(
      'Providers: openai, anthropic, together, ollama, lmstudio, vllm, local, mock.',
    );
    const unknownProvider = thrown(() => models.resolve('groq:llama-3.1-8b', 'review[3]'));
    expect(unknownProvider.message).toContain('the provider "groq" is not configured');
  });

  it('says which environment variable to set when a key is missing', () => {
    const error = thrown(() => registry().resolve('openai:gpt-4o-mini', 'summarize'));
    expect(error.code).toBe('MODEL_CALL_FAILED');
    expect(error.message).toBe(
      'Model openai:gpt-4o-mini in step "summarize" needs an API key, and none is set.',
    );
    expect(error.hint).toBe(
      'Set the environment variable OPENAI_API_KEY, or models.providers.openai.apiKey in baton.config.yaml.',
    );
    const custom = registry({ providers: { work: { type: 'anthropic', apiKeyEnv: 'WORK_ANTHROPIC_KEY' } } });
    expect(thrown(() => custom.resolve('work:claude-haiku-4-5', 'draft')).hint).toContain(
      'WORK_ANTHROPIC_KEY',
    );
  });

  it('rejects alias loops, aliases to unknown providers and a bad default when created', () => {
    expect(thrown(() => registry({ aliases: { a: 'b', b: ['mock:x', 'a'] } })).message).toBe(
      'Model alias "a" refers to itself: a -> b -> a.',
    );
    expect(thrown(() => registry({ aliases: { fast: 'groq:llama' } })).message).toContain('"groq:llama"');
    expect(thrown(() => registry({ default: 'speedy' })).message).toContain('models.default is "speedy"');
    expect(thrown(() => registry({ providers: { lab: {} } })).message).toContain(
      'neither a type nor a baseURL',
    );
  });

  it('only lets mock models take options in their name', () => {
    const error = thrown(() =>
      registry({}, { OPENAI_API_KEY: 'sk' }).resolve('openai:gpt-4o?latencyMs=5', 'ask'),
    );
    expect(error.message).toContain('only mock models take options after "?"');
  });

  it('defaults to the mock model when nothing is configured, and says so', () => {
    const models = registry();
    expect(models.describeDefault()).toMatchObject({ name: 'mock:default', source: 'mock' });
    expect(models.describeDefault().message).toContain('mock:default, which makes up its answers');
    expect(models.resolve(undefined, 'ask')).toMatchObject({
      id: 'mock:default',
      pricing: { inputPerMillion: 0.15 },
    });
  });

  it('defaults to the local GGUF named by BATON_LOCAL_MODEL', () => {
    const models = registry({}, { BATON_LOCAL_MODEL: stories });
    expect(models.describeDefault()).toEqual({
      name: 'local:stories260K',
      source: 'local',
      message: `Default model: local:stories260K (${stories}, from BATON_LOCAL_MODEL).`,
    });
    expect(models.resolve(undefined, 'ask')).toMatchObject({
      id: 'local:stories260K',
      pricing: { inputPerMillion: 0 },
    });
  });

  it('defaults to a GGUF found in the model cache', () => {
    const cache = mkdtempSync(join(tmpdir(), 'baton-cache-'));
    writeFileSync(join(cache, 'tiny-model.gguf'), 'GGUF');
    const models = registry({}, { BATON_MODEL_CACHE: cache });
    expect(models.describeDefault()).toMatchObject({ name: 'local:tiny-model', source: 'local-cache' });
    expect(models.resolve('local:tiny-model', 'ask').id).toBe('local:tiny-model');
    expect(thrown(() => models.resolve('local:missing', 'ask')).message).toContain(
      'no GGUF file "missing" was found',
    );
  });

  it('prefers models.default, then BATON_MODEL, over a local model', () => {
    const env = { BATON_LOCAL_MODEL: stories, BATON_MODEL: 'mock:from-env' };
    expect(registry({}, env).describeDefault()).toMatchObject({
      name: 'mock:from-env',
      source: 'environment',
    });
    const configured = registry({ default: 'fast', aliases: { fast: 'mock:quick' } }, env);
    expect(configured.describeDefault()).toMatchObject({ name: 'fast', source: 'config' });
    expect(configured.resolve(undefined, 'ask').id).toBe('mock:quick');
  });

  it('prices from the config over the built-in table, and prices a whole provider with provider:*', () => {
    const models = registry(
      {
        providers: { ollama: { baseURL: 'http://127.0.0.1:9/v1' } },
        pricing: {
          'openai:gpt-4o-mini': { inputPerMillion: 0.1, outputPerMillion: 0.4 },
          'ollama:*': { inputPerMillion: 0, outputPerMillion: 0 },
        },
      },
      { OPENAI_API_KEY: 'sk' },
    );
    expect(models.resolve('openai:gpt-4o-mini', 'a').pricing).toEqual({
      inputPerMillion: 0.1,
      outputPerMillion: 0.4,
    });
    expect(models.resolve('ollama:llama3.2:1b', 'a').pricing).toEqual({
      inputPerMillion: 0,
      outputPerMillion: 0,
    });
    expect(models.resolve('ollama:llama3.2:1b', 'a').id).toBe('ollama:llama3.2:1b');
  });

  it('talks to an OpenAI-compatible server (Ollama) without a key', async () => {
    server = await startFixtureServer(['openai/chat-text']);
    const models = registry({ providers: { ollama: { baseURL: `${server.url}/v1` } } });
    const result = await generateText({
      model: models.resolve('ollama:llama3.2:1b', 'ask').model,
      prompt: 'Hi',
    });
    expect(result.text).toBe('Paris is the capital of France.');
    expect(server.requests[0]).toMatchObject({ url: '/v1/chat/completions', body: { model: 'llama3.2:1b' } });
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('talks to Together with TOGETHER_API_KEY', async () => {
    server = await startFixtureServer(['openai/chat-text']);
    const models = registry(
      { providers: { together: { baseURL: `${server.url}/v1` } } },
      { TOGETHER_API_KEY: 'tg-key' },
    );
    const { model } = models.resolve('together:meta-llama/Llama-3.3-70B-Instruct-Turbo', 'ask');
    await generateText({ model, prompt: 'Hi' });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer tg-key');
    expect(server.requests[0]?.body).toMatchObject({ model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo' });
  });

  it('points OpenAI at OPENAI_BASE_URL', async () => {
    server = await startFixtureServer(['openai/chat-text']);
    const models = registry({}, { OPENAI_API_KEY: 'sk-env', OPENAI_BASE_URL: `${server.url}/v1` });
    await generateText({ model: models.resolve('openai:gpt-4o-mini', 'ask').model, prompt: 'Hi' });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-env');
  });
});
