import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';
import { createScriptedModel } from '../../../src/testing/index.js';
import { define, setup } from '../fixtures.js';

const schema = {
  type: 'object',
  properties: { total: { type: 'number' } },
  required: ['total'],
};

const step = { id: 'invoice', kind: 'llm' as const, prompt: 'Total?', output: schema, maxRepairs: 0 };

describe('the model-call cache', () => {
  it('keeps no answer that failed the output schema: the next run asks the model again', async () => {
    const store = new MemoryStore();
    const model = createScriptedModel([{ object: { total: 'twelve' } }, { object: { total: 12 } }]);
    const first = setup({ model, store });
    const failed = await first.engine.run(define({ steps: [step] }));
    expect(failed.status).toBe('failed');
    const second = setup({ model, store });
    const passed = await second.engine.run(define({ steps: [step] }));
    expect(passed.output).toEqual({ invoice: { total: 12 } });
    expect(model.calls).toHaveLength(2);
    expect(second.ofType('model-call').map((event) => event.cached)).toEqual([false]);
  });

  it('keeps a repaired answer under the conversation that produced it, not the first prompt', async () => {
    const store = new MemoryStore();
    const model = createScriptedModel([
      { object: { total: 'twelve' } },
      { object: { total: 12 } },
      { object: { total: 13 } },
    ]);
    const repaired = { ...step, maxRepairs: 1 };
    const first = setup({ model, store });
    expect((await first.engine.run(define({ steps: [repaired] }))).output).toEqual({
      invoice: { total: 12 },
    });
    // Same prompt again: the first answer was invalid and not kept, so the model is asked; the
    // repair conversation was kept, but this run does not reach it.
    const second = setup({ model, store });
    expect((await second.engine.run(define({ steps: [repaired] }))).output).toEqual({
      invoice: { total: 13 },
    });
    expect(model.calls).toHaveLength(3);
  });

  it('answers a valid answer from the cache the second time', async () => {
    const store = new MemoryStore();
    const model = createScriptedModel([{ object: { total: 12 } }]);
    await setup({ model, store }).engine.run(define({ steps: [step] }));
    const second = setup({ model, store });
    expect((await second.engine.run(define({ steps: [step] }))).output).toEqual({ invoice: { total: 12 } });
    expect(model.calls).toHaveLength(1);
  });
});
