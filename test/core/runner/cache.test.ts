import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createScriptedModel } from '../../../src/testing/index.js';
import { define, setup } from '../fixtures.js';

const ask = define({ steps: [{ id: 'ask', kind: 'llm', prompt: 'Summarise {{ input.text }}' }] });

describe('cache', () => {
  it('answers a repeated model call from the cache at no cost, marked as a hit', async () => {
    const model = createScriptedModel([{ text: 'summary', usage: { inputTokens: 40, outputTokens: 8 } }]);
    const { engine, ofType } = setup({ model });
    const first = await engine.run(ask, { input: { text: 'the contract' } });
    const second = await engine.run(ask, { input: { text: 'the contract' } });
    expect(model.calls).toHaveLength(1);
    expect(second.output).toEqual(first.output);
    expect(first.usage.inputTokens).toBe(40);
    expect(second.usage).toEqual({ inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 });
    expect(ofType('model-call').map((event) => event.cached)).toEqual([false, true]);
    expect(ofType('step-end').map((event) => event.cached ?? false)).toEqual([false, true]);
  });

  it('calls the model again when anything it is sent changes', async () => {
    const model = createScriptedModel(['one', 'two']);
    const { engine } = setup({ model });
    await engine.run(ask, { input: { text: 'a' } });
    await engine.run(ask, { input: { text: 'b' } });
    expect(model.calls).toHaveLength(2);
  });

  it('is skipped for a step with cache: false and for a run with cache: false', async () => {
    const model = createScriptedModel(['answer']);
    const { engine } = setup({ model });
    const uncached = define({ steps: [{ id: 'ask', kind: 'llm', prompt: 'hi', cache: false }] });
    await engine.run(uncached);
    await engine.run(uncached);
    await engine.run(ask, { input: { text: 'x' }, cache: false });
    await engine.run(ask, { input: { text: 'x' }, cache: false });
    expect(model.calls).toHaveLength(4);
  });

  it('reuses the output of a step marked cache: true for the same inputs', async () => {
    let calls = 0;
    const { engine, store } = setup({
      tools: {
        lookup: {
          inputSchema: z.object({ id: z.number() }),
          execute: ({ id }) => {
            calls++;
            return { id, name: `customer ${id}` };
          },
        },
      },
    });
    const definition = define({
      steps: [{ id: 'customer', kind: 'tool', tool: 'lookup', input: { id: '{{ input.id }}' }, cache: true }],
    });
    await engine.run(definition, { input: { id: 1 } });
    const again = await engine.run(definition, { input: { id: 1 } });
    await engine.run(definition, { input: { id: 2 } });
    expect(calls).toBe(2);
    expect(again.output).toEqual({ customer: { id: 1, name: 'customer 1' } });
    const [record] = await store.listSteps(again.runId);
    expect(record?.cached).toBe(true);
  });
});
