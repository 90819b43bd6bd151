import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Step, ToolDefinition } from '../../../src/core/index.js';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';
import { createScriptedModel } from '../../../src/testing/index.js';
import { define, setup } from '../fixtures.js';

describe('an agent resumed after a crash', () => {
  it('counts the tokens of the turns journaled before the crash in the step and the run', async () => {
    const store = new MemoryStore();
    const controller = new AbortController();
    const write = store.writeSubCall.bind(store);
    // The first process stops once its first turn is journaled, while the tool runs.
    store.writeSubCall = async (call) => {
      await write(call);
      if (call.kind === 'agent-turn') controller.abort(new Error('process stopped'));
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
    const steps: Step[] = [
      { id: 'agent', kind: 'agent', prompt: 'Find it', tools: ['lookup'], maxIterations: 4 },
    ];
    const first = createScriptedModel([
      {
        toolCalls: [{ toolName: 'lookup', input: { id: 'a' } }],
        usage: { inputTokens: 100, outputTokens: 50 },
      },
    ]);
    const stopped = await setup({ store, model: first, tools }).engine.run(define({ steps }), {
      signal: controller.signal,
    });
    expect(stopped.status).toBe('cancelled');
    store.writeSubCall = write;
    const second = createScriptedModel([{ text: 'Done.', usage: { inputTokens: 10, outputTokens: 5 } }]);
    const resumed = await setup({ store, model: second, tools }).engine.resume(stopped.runId);
    expect(resumed.status).toBe('succeeded');
    expect(first.calls).toHaveLength(1);
    expect(second.calls).toHaveLength(1);
    expect(resumed.usage).toMatchObject({ inputTokens: 110, outputTokens: 55 });
    const [record] = await store.listSteps(resumed.runId);
    expect(record?.usage).toMatchObject({ inputTokens: 110, outputTokens: 55 });
  });
});
