import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fromModels } from '../../../src/baton.js';
import { createEngine, listWaiting, type Step, type ToolDefinition } from '../../../src/core/index.js';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';
import { createScriptedModel, type ScriptedCall, type ScriptedResponse } from '../../../src/testing/index.js';
import { define, setup } from '../fixtures.js';

function agent(fields: Partial<Extract<Step, { kind: 'agent' }>> = {}): Step {
  return {
    id: 'agent',
    kind: 'agent',
    prompt: 'What is the answer?',
    tools: [],
    maxIterations: 6,
    ...fields,
  };
}

/** The text of everything sent in a model call, to look for what the model was told. */
const sent = (model: ReturnType<typeof createScriptedModel>, index: number) =>
  JSON.stringify(model.calls[index]?.prompt);

describe('an agent whose answer fails `validate`', () => {
  const validate = 'output.answer = "42" ? true : "the answer must be 42, not " & output.answer';

  it('sends the message back as a repair turn and ends with the repaired answer', async () => {
    const model = createScriptedModel(['41', '42']);
    const { engine } = setup({ model });
    const result = await engine.run(define({ steps: [agent({ validate })] }));
    expect(result.status).toBe('succeeded');
    expect((result.output as { agent: { answer: string } }).agent.answer).toBe('42');
    expect(model.calls).toHaveLength(2);
    expect(sent(model, 1)).toContain('the answer must be 42, not 41');
  });

  it('repairs a stated output schema the same way, and fails OUTPUT_INVALID past maxRepairs', async () => {
    const model = createScriptedModel(['{"n": 1}', '{"n": 2}', '{"n": 3}']);
    const { engine } = setup({ model });
    const result = await engine.run(
      define({
        steps: [
          agent({
            output: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
            validate: 'output.n > 5 ? true : "n must be above 5"',
            maxRepairs: 1,
          }),
        ],
      }),
    );
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('OUTPUT_INVALID');
    expect(result.error?.message).toContain('n must be above 5');
    // The first answer and one repair: maxRepairs bounds the turns spent on repairs.
    expect(model.calls).toHaveLength(2);
    expect(sent(model, 1)).toContain('n must be above 5');
  });
});

describe('a tool called by an agent', () => {
  /** A refund tool that charges once, asks a person to confirm, and drafts a note with a model. */
  function refundTool(charges: string[]): ToolDefinition {
    return {
      description: 'Refund an order',
      inputSchema: z.object({ order: z.string() }),
      execute: async (input, context) => {
        const { order } = input as { order: string };
        await context.once?.('charge', () => {
          charges.push(order);
          return true;
        });
        const confirmed = await context.interrupt?.({
          key: 'confirm',
          prompt: `Refund ${order}?`,
          schema: z.object({ amount: z.number() }).refine((value) => value.amount <= 100, 'at most 100'),
        });
        const note = await context.generate?.({ prompt: `Note for ${order}` });
        return { order, amount: confirmed?.amount, note };
      },
    };
  }

  function script(call: ScriptedCall): ScriptedResponse {
    if (call.prompt.startsWith('Note for'))
      return { text: 'Refunded.', usage: { inputTokens: 7, outputTokens: 3 } };
    if (call.toolResults.length === 0)
      return { toolCalls: [{ toolName: 'refund', input: { order: 'A-1' } }] };
    return { text: `Done: ${JSON.stringify(call.toolResults[0]?.output)}` };
  }

  it('gets ctx.once, ctx.interrupt and ctx.generate: it waits, is answered, and repeats nothing', async () => {
    const charges: string[] = [];
    const store = new MemoryStore();
    const model = createScriptedModel({ match: script });
    const engine = createEngine({
      store,
      models: fromModels({ test: model }),
      tools: { refund: refundTool(charges) },
    });
    const definition = define({ steps: [agent({ tools: ['refund'], prompt: 'Refund order A-1' })] });

    const waiting = await engine.run(definition);
    expect(waiting.error).toBeUndefined();
    expect(waiting.status).toBe('waiting');
    expect(waiting.waiting?.questions).toEqual([{ path: 'agent', key: 'confirm', prompt: 'Refund A-1?' }]);
    expect(await listWaiting(store, waiting.runId)).toEqual([
      { path: 'agent', kind: 'question', key: 'confirm', prompt: 'Refund A-1?' },
    ]);
    expect(charges).toEqual(['A-1']);

    // The refinement runs: a bad answer is refused and the run keeps waiting.
    await expect(
      engine.answer(waiting.runId, 'agent', { value: { amount: 500 } }, { definition }),
    ).rejects.toMatchObject({
      code: 'INPUT_INVALID',
    });
    const done = await engine.answer(
      waiting.runId,
      'agent',
      { value: { amount: 80 }, by: 'ana' },
      { definition },
    );
    expect(done.error).toBeUndefined();
    expect(done.status).toBe('succeeded');
    expect((done.output as { agent: { answer: string } }).agent.answer).toBe(
      'Done: {"order":"A-1","amount":80,"note":"Refunded."}',
    );
    // Charged once; the agent's first turn and the model call of the tool were not made again.
    expect(charges).toEqual(['A-1']);
    const prompts = model.calls.map((call) => JSON.stringify(call.prompt));
    expect(prompts.filter((prompt) => prompt.includes('Note for A-1'))).toHaveLength(1);
    expect(model.calls).toHaveLength(3);
    // The tool's model call counts for the step.
    const step = (await store.listSteps(waiting.runId)).find((record) => record.path === 'agent');
    expect(step?.usage?.outputTokens).toBeGreaterThanOrEqual(3);
  });
});
