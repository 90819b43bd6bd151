import { generateText, tool } from 'ai';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type BatonEvent, createEngine, type ToolDefinition } from '../../src/core/index.js';
import { createLocalModel, createModelRegistry, disposeLocalModels } from '../../src/models/index.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { define } from '../core/fixtures.js';
import { randomModelPath, storiesModelPath } from './test-models.js';

afterAll(() => disposeLocalModels());

describe.each([
  ['stories260K', storiesModelPath],
  ['llama-2-tiny-random', randomModelPath],
])('an agent step on the local model %s', (_name, modelPath) => {
  it('makes well-formed tool calls, journaled, through the grammar', async () => {
    const models = createModelRegistry(
      { providers: { local: { modelPath, threads: 1, contextSize: 1024, maxOutputTokens: 96 } } },
      { env: {} },
    );
    const store = new MemoryStore();
    const received: unknown[] = [];
    const tools: Record<string, ToolDefinition> = {
      lookup_order: {
        description: 'Look up an order by its id',
        inputSchema: z.object({ order_id: z.enum(['ORD-1', 'ORD-2']) }),
        execute: async (input) => {
          received.push(input);
          return { status: 'delivered' };
        },
      },
    };
    const engine = createEngine({ store, models, tools });
    const events: BatonEvent[] = [];
    engine.subscribe((event) => events.push(event));
    const result = await engine.run(
      define({
        steps: [
          {
            id: 'agent',
            kind: 'agent',
            model: 'local:default',
            prompt: 'Look up order ORD-1.',
            tools: ['lookup_order'],
            maxIterations: 2,
            temperature: 0,
          },
        ],
      }),
    );
    // The answers are nonsense; what is checked is that each call the model made was well-formed.
    const calls = events.flatMap((event) => (event.type === 'tool-call' ? [event] : []));
    const journaled = await store.listSubCalls(result.runId, 'agent');
    expect(journaled.some((call) => call.kind === 'agent-turn')).toBe(true);
    for (const input of received)
      expect(['ORD-1', 'ORD-2']).toContain((input as { order_id: string }).order_id);
    expect(calls.length).toBe(received.length);
    expect(journaled.filter((call) => call.kind === 'tool-call')).toHaveLength(calls.length);
    if (result.status === 'failed') expect(result.error?.code).not.toBe('TOOL_NOT_FOUND');
  }, 120_000);

  it('calls a tool with input fitting its schema whenever a call is required', async () => {
    const model = createLocalModel({ modelPath, threads: 1, contextSize: 1024, maxOutputTokens: 96 });
    for (const prompt of ['Look up order ORD-1.', 'Once upon a time']) {
      const result = await generateText({
        model,
        prompt,
        temperature: 0,
        maxRetries: 0,
        toolChoice: 'required',
        tools: {
          lookup_order: tool({
            inputSchema: z.object({ order_id: z.enum(['ORD-1', 'ORD-2']), rush: z.boolean() }),
          }),
          cancel_order: tool({ inputSchema: z.object({ order_id: z.string().max(12) }) }),
        },
      });
      expect(result.finishReason).toBe('tool-calls');
      expect(result.toolCalls).toHaveLength(1);
      const [call] = result.toolCalls;
      expect(call?.invalid ?? false).toBe(false);
      expect(['lookup_order', 'cancel_order']).toContain(call?.toolName);
    }
  }, 120_000);
});
