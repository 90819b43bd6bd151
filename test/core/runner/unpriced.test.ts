import { describe, expect, it } from 'vitest';
import { createScriptedModel } from '../../../src/testing/index.js';
import { define, setup } from '../fixtures.js';

const steps = [{ id: 'ask', kind: 'llm' as const, prompt: 'Hello' }];
const answer = { text: 'Hi', usage: { inputTokens: 1000, outputTokens: 100 } };

describe('unpriced models', () => {
  it('journals a call to a model without a price as unpriced, never as $0', async () => {
    const { engine, store, ofType } = setup({ model: createScriptedModel([answer]) });
    const result = await engine.run(define({ steps }));

    expect(result.status).toBe('succeeded');
    expect(result.unpriced).toBe(true);
    const [record] = await store.listSteps(result.runId);
    expect(record?.usage).toMatchObject({ inputTokens: 1000, outputTokens: 100 });
    expect(record?.costUsd).toBeUndefined();
    expect(ofType('model-call')[0]).toMatchObject({ unpriced: true });
    expect(ofType('step-end')[0]).toMatchObject({ unpriced: true });
    expect(ofType('step-end')[0]?.costUsd).toBeUndefined();
    expect(ofType('run-end')[0]).toMatchObject({ unpriced: true });
  });

  it('refuses to start an unpriced call under a cost budget unless the budget allows it', async () => {
    const model = createScriptedModel([answer]);
    const { engine } = setup({ model });
    const refused = await engine.run(define({ steps }), { budget: { maxCostUsd: 1 } });
    expect(refused.error).toMatchObject({ code: 'BUDGET_EXCEEDED', details: { unpriced: true } });
    expect(model.calls).toHaveLength(0);

    const allowed = await engine.run(define({ steps }), { budget: { maxCostUsd: 1, allowUnpriced: true } });
    expect(allowed.status).toBe('succeeded');
    // A token budget can still be kept.
    const tokens = await engine.run(define({ steps }), { budget: { maxTokens: 100_000 } });
    expect(tokens.status).toBe('succeeded');
  });
});
