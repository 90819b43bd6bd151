import { describe, expect, it } from 'vitest';
import { createScriptedModel } from '../../../src/testing/index.js';
import { define, setup } from '../fixtures.js';

const answerSchema = {
  type: 'object',
  properties: { total: { type: 'number' }, currency: { type: 'string' } },
  required: ['total', 'currency'],
};

/** The text of every message a scripted model received in one call, joined. */
function promptText(model: ReturnType<typeof createScriptedModel>, call: number): string {
  return JSON.stringify(model.calls[call]?.prompt ?? []);
}

describe('llm step', () => {
  it('answers a rendered prompt with text', async () => {
    const model = createScriptedModel(['Paris']);
    const { engine, ofType } = setup({ model });
    const result = await engine.run(
      define({ steps: [{ id: 'capital', kind: 'llm', prompt: 'Capital of {{ input.country }}?' }] }),
      { input: { country: 'France' } },
    );
    expect(result.output).toEqual({ capital: 'Paris' });
    expect(promptText(model, 0)).toContain('Capital of France?');
    expect(ofType('model-call')).toMatchObject([{ path: 'capital', model: 'scripted:scripted' }]);
  });

  it('answers with an object checked against the output schema, asking the provider for JSON', async () => {
    const model = createScriptedModel([{ object: { total: 42, currency: 'EUR' } }]);
    const { engine } = setup({ model });
    const result = await engine.run(
      define({ steps: [{ id: 'invoice', kind: 'llm', prompt: 'Total?', output: answerSchema }] }),
    );
    expect(result.output).toEqual({ invoice: { total: 42, currency: 'EUR' } });
    expect(model.calls[0]?.responseFormat).toMatchObject({ type: 'json', schema: answerSchema });
  });

  it('repairs an invalid answer by showing the model its answer and the issues', async () => {
    const model = createScriptedModel([
      { text: 'The total is 42 euros.' },
      { object: { total: 42, currency: 'EUR' } },
    ]);
    const { engine, ofType } = setup({ model });
    const result = await engine.run(
      define({ steps: [{ id: 'invoice', kind: 'llm', prompt: 'Total?', output: answerSchema }] }),
    );
    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual({ invoice: { total: 42, currency: 'EUR' } });
    expect(model.calls).toHaveLength(2);
    const repair = promptText(model, 1);
    expect(repair).toContain('The total is 42 euros.');
    expect(repair).toContain('not valid JSON');
    expect(ofType('model-call')).toHaveLength(2);
    expect(result.usage).toEqual({ inputTokens: 20, outputTokens: 10, cachedInputTokens: 0 });
    expect(ofType('step-end')[0]?.note).toBe('answer repaired 1 time(s)');
  });

  it('repairs an answer that breaks the schema, naming the field', async () => {
    const model = createScriptedModel([
      { object: { total: '42', currency: 'EUR' } },
      { object: { total: 42, currency: 'EUR' } },
    ]);
    const { engine } = setup({ model });
    const result = await engine.run(
      define({ steps: [{ id: 'invoice', kind: 'llm', prompt: 'Total?', output: answerSchema }] }),
    );
    expect(result.output).toEqual({ invoice: { total: 42, currency: 'EUR' } });
    expect(promptText(model, 1)).toContain('- total:');
  });

  it('gives up after two repairs with OUTPUT_INVALID keeping the text and the issues', async () => {
    const model = createScriptedModel([{ object: { total: 'a lot' } }]);
    const { engine, store } = setup({ model });
    const result = await engine.run(
      define({ steps: [{ id: 'invoice', kind: 'llm', prompt: 'Total?', output: answerSchema }] }),
    );
    expect(result.status).toBe('failed');
    expect(model.calls).toHaveLength(3);
    expect(result.error).toMatchObject({
      code: 'OUTPUT_INVALID',
      stepPath: 'invoice',
      retryable: false,
      details: { text: '{"total":"a lot"}', repairs: 2, model: 'scripted:scripted' },
    });
    const issues = result.error?.details?.issues as Array<{ path: string }>;
    expect(issues.map((issue) => issue.path).sort()).toEqual(['currency', 'total']);
    expect(result.usage.inputTokens).toBe(30);
    const [record] = await store.listSteps(result.runId);
    expect(record?.usage).toEqual({ inputTokens: 30, outputTokens: 15, cachedInputTokens: 0 });
  });

  it('tries the models of a fallback chain in order when one fails', async () => {
    const first = createScriptedModel([{ error: { status: 500 } }], { modelId: 'first' });
    const second = createScriptedModel([{ error: { status: 401 } }], { modelId: 'second' });
    const third = createScriptedModel(['from the third'], { modelId: 'third' });
    const unused = createScriptedModel(['never'], { modelId: 'unused' });
    const { engine, ofType } = setup({ models: { first, second, third, unused } });
    const result = await engine.run(
      define({
        steps: [{ id: 'ask', kind: 'llm', model: ['first', 'second', 'third', 'unused'], prompt: 'Hi' }],
      }),
    );
    expect(result.output).toEqual({ ask: 'from the third' });
    expect([first, second, third, unused].map((model) => model.calls.length)).toEqual([1, 1, 1, 0]);
    expect(ofType('model-fallback').map((event) => [event.from, event.to])).toEqual([
      ['scripted:first', 'second'],
      ['scripted:second', 'third'],
    ]);
  });

  it('fails with the last model error when every model of the chain fails', async () => {
    const first = createScriptedModel([{ error: { status: 500 } }], { modelId: 'first' });
    const second = createScriptedModel([{ error: { status: 429, retryAfterSeconds: 3 } }], {
      modelId: 'second',
    });
    const { engine } = setup({ models: { first, second } });
    const result = await engine.run(
      define({ steps: [{ id: 'ask', kind: 'llm', model: ['first', 'second'], prompt: 'Hi' }] }),
    );
    expect(result.error).toMatchObject({ code: 'RATE_LIMITED', stepPath: 'ask', retryAfterMs: 3000 });
  });
});
