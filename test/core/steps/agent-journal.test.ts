import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Step, ToolDefinition } from '../../../src/core/index.js';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';
import { createScriptedModel, type ScriptedModel } from '../../../src/testing/index.js';
import { define, setup } from '../fixtures.js';

/** A tool that records the topics it was called with. */
function lookup(calls: string[]): ToolDefinition {
  return {
    inputSchema: z.object({ topic: z.string() }),
    execute: (input) => {
      const { topic } = input as { topic: string };
      calls.push(topic);
      return `notes on ${topic}`;
    },
  };
}

const agent = (tools: string[] = ['lookup']): Step => ({
  id: 'agent',
  kind: 'agent',
  prompt: 'Research batteries',
  tools,
  maxIterations: 5,
});

const callTool = (toolName: string, topic: string) => ({ toolCalls: [{ toolName, input: { topic } }] });

/** The messages of one call to a scripted model, by role, with their content as JSON. */
const messages = (model: ScriptedModel, call: number) =>
  (model.calls[call]?.prompt ?? []).map((message) => ({
    role: message.role,
    text: JSON.stringify(message.content),
  }));

describe('agent history', () => {
  it("sends the model its own earlier turn and the tool's result on the next turn", async () => {
    const calls: string[] = [];
    const model = createScriptedModel([callTool('lookup', 'anodes'), 'Anodes matter.']);
    const { engine } = setup({ model, tools: { lookup: lookup(calls) } });
    const result = await engine.run(define({ steps: [agent()] }));
    expect(result.status).toBe('succeeded');
    const second = messages(model, 1);
    expect(second.map((message) => message.role)).toEqual(['user', 'assistant', 'tool']);
    expect(second[1]?.text).toContain('"toolName":"lookup"');
    expect(second[1]?.text).toContain('anodes');
    expect(second[2]?.text).toContain('notes on anodes');
  });

  it('refuses a registered tool the step does not list, without running it', async () => {
    const allowed: string[] = [];
    const secret: string[] = [];
    const model = createScriptedModel([callTool('secret', 'keys'), 'Done.']);
    const { engine, ofType } = setup({ model, tools: { lookup: lookup(allowed), secret: lookup(secret) } });
    const result = await engine.run(define({ steps: [agent()] }));
    expect(result.status).toBe('succeeded');
    expect(secret).toEqual([]);
    expect(JSON.stringify(model.calls[1]?.prompt)).toContain(
      'Tool \\"secret\\" is not available. Available tools: lookup.',
    );
    expect(ofType('tool-result')).toMatchObject([{ tool: 'secret', error: { code: 'TOOL_NOT_FOUND' } }]);
    expect(result.output).toMatchObject({
      agent: { toolCalls: [{ tool: 'secret', error: expect.stringContaining('not available') }] },
    });
  });
});

describe('agent resume with the cache off', () => {
  it('takes finished turns and tool calls from the journal, not from the model or the tools', async () => {
    const store = new MemoryStore();
    const controller = new AbortController();
    const write = store.writeSubCall.bind(store);
    store.writeSubCall = async (call) => {
      await write(call);
      // The first process stops once the first tool result is journaled.
      if (call.kind === 'tool-call') controller.abort(new Error('process stopped'));
    };
    const calls: string[] = [];
    const firstModel = createScriptedModel([callTool('lookup', 'anodes'), 'never sent']);
    // No grace: the stopped process must not finish the agent's turn after the abort.
    const first = setup({ store, model: firstModel, tools: { lookup: lookup(calls) }, cancelGraceMs: 0 });
    const stopped = await first.engine.run(define({ steps: [agent()] }), {
      cache: false,
      signal: controller.signal,
    });
    expect(stopped.status).toBe('cancelled');
    expect(firstModel.calls).toHaveLength(1);

    // Were the journal ignored, this model's first answer would replace the journaled turn.
    const secondModel = createScriptedModel(['Anodes matter.', callTool('lookup', 'cathodes')]);
    const second = setup({ store, model: secondModel, tools: { lookup: lookup(calls) } });
    const resumed = await second.engine.resume(stopped.runId, { cache: false });
    expect(resumed.status).toBe('succeeded');
    expect(secondModel.calls).toHaveLength(1);
    expect(calls).toEqual(['anodes']);
    expect(messages(secondModel, 0).map((message) => message.role)).toEqual(['user', 'assistant', 'tool']);
    expect(resumed.output).toMatchObject({
      agent: {
        answer: 'Anodes matter.',
        turns: 2,
        toolCalls: [{ tool: 'lookup', output: 'notes on anodes' }],
      },
    });
  });
});
