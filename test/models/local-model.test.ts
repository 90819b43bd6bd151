import { generateText, jsonSchema, Output, streamText } from 'ai';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BatonError } from '../../src/core/index.js';
import { createLocalModel, createModelRegistry, disposeLocalModels } from '../../src/models/index.js';
import { storiesModelPath } from './test-models.js';

// One thread: the machines that run these tests have two cores, and llama.cpp's workers spin.
const model = createLocalModel({ modelPath: storiesModelPath, threads: 1, contextSize: 512 });

afterAll(() => disposeLocalModels());

describe('createLocalModel with stories260K', () => {
  it('continues a text greedily, the same way every time', async () => {
    const first = await generateText({
      model,
      prompt: 'Once upon a time',
      temperature: 0,
      maxOutputTokens: 24,
    });
    expect(first.text).toMatch(/^, there was a little girl named Lily\. She loved to play/);
    expect(first.finishReason).toBe('length');
    expect(first.usage.outputTokens).toBe(24);
    expect(first.usage.inputTokens).toBeGreaterThan(0);
    const again = await generateText({
      model,
      prompt: 'Once upon a time',
      temperature: 0,
      maxOutputTokens: 24,
    });
    expect(again.text).toBe(first.text);
  });

  it('streams the same text in pieces', async () => {
    const whole = await generateText({
      model,
      prompt: 'Once upon a time',
      temperature: 0,
      maxOutputTokens: 32,
    });
    const result = streamText({ model, prompt: 'Once upon a time', temperature: 0, maxOutputTokens: 32 });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.join('')).toBe(whole.text);
    expect((await result.usage).outputTokens).toBe(32);
  });

  it('returns an object that parses and fits the schema, through a grammar', async () => {
    const schema = z.object({ name: z.string(), age: z.number().int(), likes: z.array(z.string()).max(2) });
    const result = await generateText({
      model,
      prompt: 'Lily is a girl who',
      temperature: 0,
      maxOutputTokens: 200,
      output: Output.object({ schema }),
    });
    expect(schema.parse(result.output)).toEqual(result.output);
  });

  it('keeps to enums and exact array lengths', async () => {
    const schema = {
      type: 'object',
      properties: {
        mood: { type: 'string', enum: ['happy', 'sad'] },
        numbers: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 },
      },
      required: ['mood', 'numbers'],
      additionalProperties: false,
    } satisfies Parameters<typeof jsonSchema>[0];
    const result = await generateText({
      model,
      prompt: 'The dog felt',
      temperature: 0,
      maxOutputTokens: 120,
      output: Output.object({ schema: jsonSchema<{ mood: string; numbers: number[] }>(schema) }),
    });
    expect(['happy', 'sad']).toContain(result.output.mood);
    expect(result.output.numbers).toHaveLength(2);
  });

  it('renders messages with a chat wrapper when asked to chat', async () => {
    const chat = createLocalModel({
      modelPath: storiesModelPath,
      threads: 1,
      contextSize: 512,
      promptFormat: 'chat',
    });
    const result = await generateText({
      model: chat,
      system: 'You tell stories.',
      prompt: 'Tell me about a cat.',
      temperature: 0,
      maxOutputTokens: 16,
    });
    expect(result.usage.inputTokens).toBeGreaterThan(10);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
  });

  it('takes calls one at a time on its one context', async () => {
    const prompts = ['Once upon a time', 'The little dog', 'One day, Tim'];
    const alone = [];
    for (const prompt of prompts)
      alone.push((await generateText({ model, prompt, temperature: 0, maxOutputTokens: 12 })).text);
    const together = await Promise.all(
      prompts.map(
        async (prompt) => (await generateText({ model, prompt, temperature: 0, maxOutputTokens: 12 })).text,
      ),
    );
    expect(together).toEqual(alone);
  });

  it('is what the registry resolves for local:<file name>', async () => {
    const registry = createModelRegistry(
      { providers: { local: { modelPath: storiesModelPath, threads: 1 } } },
      { env: {} },
    );
    const resolved = registry.resolve('local:stories260K', 'tell');
    expect(resolved.id).toBe('local:stories260K');
    const result = await generateText({
      model: resolved.model,
      prompt: 'Once upon a time',
      temperature: 0,
      maxOutputTokens: 8,
    });
    expect(result.text).toMatch(/^, there was/);
  });

  it('fails with a clear error for a file that is not a model', async () => {
    const broken = createLocalModel({ modelPath: import.meta.filename, threads: 1 });
    const error = await generateText({ model: broken, prompt: 'Hi', maxRetries: 0 }).then(
      () => expect.unreachable('loading should fail'),
      (thrown: unknown) => thrown,
    );
    expect(BatonError.is(error, 'MODEL_NOT_FOUND')).toBe(true);
    expect((error as BatonError).message).toContain('could not be loaded');
  });
});
