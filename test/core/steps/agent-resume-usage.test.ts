import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fromModels } from '../../../src/baton.js';
import { createEngine, type Step, type ToolDefinition } from '../../../src/core/index.js';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';
import { createScriptedModel } from '../../../src/testing/index.js';
import { define } from '../fixtures.js';

describe('an agent resumed after a crash', () => {
  it('counts the tokens of the turns journaled before the crash in the step and the run', async () => {
    const store = new MemoryStore();
    const controller = new AbortController();
    const write = store.writeSubCall.bind(store);
    // The first process stops once its first turn is journaled, while the tool runs.
    store.writeSubCall = async (call) => {
      await write(call);
      if (call.kind === 'agent-turn' && call.path === 'agent') controller.abort(new Error('process stopped'));
    };
    const tools: Record<string, ToolDefinition> = {
      lookup: {
        inputSchema: z.object({ id: z.string() }),
        execute: async (_input, context) => {
          if (context.abortSignal.aborted) throw context.abortSignal.reason;
          return 'found';
        },
      },
    };
    // An agent that finished before the crash, and one that was stopped mid-way.
    const steps: Step[] = [
      { id: 'brief', kind: 'agent', prompt: 'Brief it', tools: [], maxIterations: 2 },
      {
        id: 'agent',
        kind: 'agent',
        prompt: 'Find it',
        tools: ['lookup'],
        maxIterations: 4,
        needs: ['brief'],
      },
    ];
    // $1 and $2 per million input and output tokens, $0.5 per million cached input tokens.
    const priced = (model: ReturnType<typeof createScriptedModel>) =>
      createEngine({
        store,
        tools,
        models: fromModels({
          test: { model, pricing: { inputPerMillion: 1, outputPerMillion: 2, cachedInputPerMillion: 0.5 } },
        }),
      });
    const first = createScriptedModel([
      { text: 'Briefed.', usage: { inputTokens: 7, outputTokens: 3, cachedInputTokens: 2 } },
      {
        toolCalls: [{ toolName: 'lookup', input: { id: 'a' } }],
        usage: { inputTokens: 100, outputTokens: 50 },
      },
    ]);
    const stopped = await priced(first).run(define({ steps }), {
      signal: controller.signal,
    });
    expect(stopped.status).toBe('cancelled');
    store.writeSubCall = write;
    const second = createScriptedModel([{ text: 'Done.', usage: { inputTokens: 10, outputTokens: 5 } }]);
    const resumed = await priced(second).resume(stopped.runId);
    expect(resumed.status).toBe('succeeded');
    expect(first.calls).toHaveLength(2);
    expect(second.calls).toHaveLength(1);
    expect(resumed.usage).toEqual({ inputTokens: 117, outputTokens: 58, cachedInputTokens: 2 });
    // (5 + 2 * 0.5 + 3 * 2) + (100 + 50 * 2) + (10 + 5 * 2) millionths of a dollar.
    expect(resumed.costUsd).toBeCloseTo(0.000232, 12);
    const record = (await store.listSteps(resumed.runId)).find((step) => step.path === 'agent');
    expect(record?.usage).toMatchObject({ inputTokens: 110, outputTokens: 55 });
  });
});
