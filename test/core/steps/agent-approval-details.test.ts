import type { LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Step, ToolDefinition } from '../../../src/core/index.js';
import { createScriptedModel, type ScriptedModel } from '../../../src/testing/index.js';
import { define, setup } from '../fixtures.js';

const find: ToolDefinition = {
  description: 'Finds notes on a topic',
  inputSchema: z.object({ topic: z.string() }),
  execute: () => 'notes',
};
const agent = (fields: Partial<Extract<Step, { kind: 'agent' }>> = {}): Step => ({
  id: 'agent',
  kind: 'agent',
  prompt: 'Research {{ input.topic }}',
  tools: ['find'],
  maxIterations: 5,
  ...fields,
});
const systemOf = (model: ScriptedModel, call = 0) =>
  model.calls[call]?.prompt.filter((message) => message.role === 'system').map((message) => message.content);

describe('agent prompt and input', () => {
  it('sends its system prompt and records system, prompt and tools as the step input', async () => {
    const model = createScriptedModel(['Done.']);
    const { engine, store } = setup({ model, tools: { find } });
    const result = await engine.run(
      define({ steps: [agent({ system: 'Be brief about {{ input.topic }}.' })] }),
      {
        input: { topic: 'cells' },
      },
    );
    expect(systemOf(model)).toEqual(['Be brief about cells.']);
    const [record] = await store.listSteps(result.runId);
    expect(record?.input).toMatchObject({
      system: 'Be brief about cells.',
      prompt: 'Research cells',
      tools: ['find'],
    });
    expect(model.calls[0]?.tools).toMatchObject([{ name: 'find', description: 'Finds notes on a topic' }]);
  });

  it('records no system in its input when it has none', async () => {
    const model = createScriptedModel(['Done.']);
    const { engine, store } = setup({ model, tools: { find } });
    const result = await engine.run(define({ steps: [agent()] }), { input: { topic: 'cells' } });
    expect(systemOf(model)).toEqual([]);
    const [record] = await store.listSteps(result.runId);
    expect(record?.input).toMatchObject({ prompt: 'Research cells', tools: ['find'] });
    expect(record?.input).not.toHaveProperty('system');
  });

  it('adds the answer schema to its system prompt, after the one it has', async () => {
    const output = { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] };
    const bare = createScriptedModel([{ object: { n: 1 } }]);
    await setup({ model: bare, tools: { find } }).engine.run(define({ steps: [agent({ output })] }), {
      input: { topic: 'a' },
    });
    const [alone] = systemOf(bare) ?? [];
    expect(alone).toMatch(/^When you have finished, give your final answer as a JSON value only/);
    const given = createScriptedModel([{ object: { n: 1 } }]);
    await setup({ model: given, tools: { find } }).engine.run(
      define({ steps: [agent({ output, system: 'Count.' })] }),
      { input: { topic: 'a' } },
    );
    expect(systemOf(given)?.[0]).toBe(`Count.\n\n${alone}`);
  });

  it('journals each turn with its number', async () => {
    const model = createScriptedModel([
      { toolCalls: [{ toolName: 'find', input: { topic: 'a' } }] },
      'Done.',
    ]);
    const { engine, store } = setup({ model, tools: { find } });
    const result = await engine.run(define({ steps: [agent()] }), { input: { topic: 'a' } });
    const turns = (await store.listSubCalls(result.runId, 'agent')).filter(
      (call) => call.kind === 'agent-turn',
    );
    expect(turns.map((turn) => turn.request)).toEqual([{ turn: 1 }, { turn: 2 }]);
  });
});

describe('agent answers that do not match the schema', () => {
  const output = { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] };

  it('stops at maxIterations even with repairs left', async () => {
    const model = createScriptedModel(['not json']);
    const { engine } = setup({ model, tools: { find } });
    const result = await engine.run(define({ steps: [agent({ output, maxIterations: 2, maxRepairs: 5 })] }), {
      input: { topic: 'a' },
    });
    expect(result.error).toMatchObject({ code: 'OUTPUT_INVALID' });
    expect(model.calls).toHaveLength(2);
  });

  it('stops after maxRepairs repairs with turns left', async () => {
    const model = createScriptedModel(['not json']);
    const { engine } = setup({ model, tools: { find } });
    const result = await engine.run(define({ steps: [agent({ output, maxIterations: 9, maxRepairs: 1 })] }), {
      input: { topic: 'a' },
    });
    expect(result.error).toMatchObject({ code: 'OUTPUT_INVALID' });
    expect(model.calls).toHaveLength(2);
  });
});

describe('agent tool calls the engine answers itself', () => {
  it('reports a refused call as a call and a result that cannot be retried', async () => {
    const model = createScriptedModel([{ toolCalls: [{ toolName: 'ghost', input: {} }] }, 'Done.']);
    const { engine, ofType } = setup({ model, tools: { find } });
    await engine.run(define({ steps: [agent()] }), { input: { topic: 'a' } });
    expect(ofType('tool-call')).toMatchObject([{ tool: 'ghost', sequence: 1, input: {} }]);
    expect(ofType('tool-result')).toMatchObject([
      { tool: 'ghost', sequence: 1, error: { code: 'TOOL_NOT_FOUND', retryable: false, stepPath: 'agent' } },
    ]);
  });

  it('refuses a call whose input the model wrote as broken JSON', async () => {
    const scripted = createScriptedModel(['Done.']);
    let calls = 0;
    const model: ScriptedModel = Object.assign(Object.create(scripted) as ScriptedModel, {
      doStream: async (options: Parameters<ScriptedModel['doStream']>[0]) => {
        calls++;
        if (calls > 1) return scripted.doStream(options);
        const parts: LanguageModelV4StreamPart[] = [
          { type: 'stream-start', warnings: [] },
          { type: 'tool-call', toolCallId: 'c1', toolName: 'find', input: '{"topic": ' },
          {
            type: 'finish',
            finishReason: { unified: 'tool-calls', raw: undefined },
            usage: {
              inputTokens: { total: 1, noCache: 1, cacheRead: 0, cacheWrite: 0 },
              outputTokens: { total: 1, text: 1, reasoning: 0 },
            },
          },
        ];
        return {
          stream: new ReadableStream<LanguageModelV4StreamPart>({
            start(controller) {
              for (const part of parts) controller.enqueue(part);
              controller.close();
            },
          }),
        };
      },
    });
    const ran: unknown[] = [];
    const tools = { find: { ...find, execute: (input: unknown) => ran.push(input) } };
    const { engine, ofType } = setup({ model, tools });
    const result = await engine.run(define({ steps: [agent()] }), { input: { topic: 'a' } });
    expect(result.status).toBe('succeeded');
    expect(ran).toEqual([]);
    expect(ofType('tool-result')).toMatchObject([
      {
        tool: 'find',
        error: { code: 'INPUT_INVALID', message: expect.stringContaining('The input could not be read') },
      },
    ]);
  });

  it('hands the model null for a tool that returns nothing, and text for a value JSON cannot hold', async () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const model = createScriptedModel([
      {
        toolCalls: [
          { toolName: 'nothing', input: {} },
          { toolName: 'cycle', input: {} },
        ],
      },
      'Done.',
    ]);
    const tools = {
      nothing: { inputSchema: z.object({}), execute: () => undefined },
      cycle: { inputSchema: z.object({}), execute: () => cyclic },
    };
    const { engine } = setup({ model, tools });
    await engine.run(define({ steps: [agent({ tools: ['nothing', 'cycle'] })] }), { input: { topic: 'a' } });
    const results = model.calls[1]?.prompt.find((message) => message.role === 'tool')?.content ?? [];
    expect(results).toMatchObject([
      { toolName: 'nothing', output: { type: 'json', value: null } },
      { toolName: 'cycle', output: { type: 'text', value: '[object Object]' } },
    ]);
  });

  it('refuses to run when a tool it lists is not registered, naming the registered ones', async () => {
    const model = createScriptedModel(['Done.']);
    const { engine } = setup({ model, tools: { find } });
    const result = await engine.run(define({ steps: [agent({ tools: ['find', 'ghost'] })] }), {
      input: { topic: 'a' },
    });
    expect(result.error).toMatchObject({ code: 'TOOL_NOT_FOUND' });
    expect(model.calls).toHaveLength(0);
  });

  it('refuses a journal whose entry at a sequence is of another kind', async () => {
    const model = createScriptedModel(['Done.']);
    const { engine, store } = setup({ model, tools: { find } });
    const steps: Step[] = [
      { id: 'review', kind: 'approval', subject: 'go' },
      { ...agent(), needs: ['review'] },
    ];
    const first = await engine.run(define({ steps }), { input: { topic: 'a' } });
    await store.writeSubCall({
      runId: first.runId,
      path: 'agent',
      sequence: 0,
      kind: 'tool-call',
      createdAt: 1,
    });
    const done = await engine.approve(first.runId, 'review');
    expect(done.error).toMatchObject({
      code: 'STORE_CONFLICT',
      stepPath: 'agent',
      details: { sequence: 0, expected: 'agent-turn', found: 'tool-call' },
    });
    expect(model.calls).toHaveLength(0);
  });
});

describe('approval request and response', () => {
  it('renders its subject and instructions with the workflow functions, and records the subject as input', async () => {
    const { engine, store, ofType } = setup();
    const definition = define(
      {
        steps: [
          {
            id: 'review',
            kind: 'approval',
            subject: { plan: '{{ $call("plan") }}' },
            instructions: 'Check {{ $call("plan") }}',
          },
        ],
      },
      { plan: () => 'migrate' },
    );
    const first = await engine.run(definition);
    expect(first.waiting).toEqual({ paths: ['review'] });
    expect(ofType('approval-request')).toEqual([
      {
        type: 'approval-request',
        runId: first.runId,
        path: 'review',
        subject: { plan: 'migrate' },
        instructions: 'Check migrate',
        time: expect.any(Number),
        seq: expect.any(Number),
      },
    ]);
    const [record] = await store.listSteps(first.runId);
    expect(record?.input).toEqual({ plan: 'migrate' });
  });

  it('announces neither instructions nor a deadline it does not have, and waits on resume with no deadline', async () => {
    const { engine, ofType } = setup();
    const first = await engine.run(define({ steps: [{ id: 'review', kind: 'approval', subject: 'go' }] }));
    expect(ofType('approval-request')[0]).not.toHaveProperty('instructions');
    expect(ofType('approval-request')[0]).not.toHaveProperty('expiresAt');
    const again = await engine.resume(first.runId);
    expect(again.waiting).toEqual({ paths: ['review'] });
  });

  it('says whether an approval came with edits', async () => {
    const { engine, ofType } = setup();
    const steps: Step[] = [
      { id: 'a', kind: 'approval', subject: 'x' },
      { id: 'b', kind: 'approval', subject: 'y' },
    ];
    const first = await engine.run(define({ steps }));
    await engine.approve(first.runId, 'a', { edit: 'x2' });
    await engine.approve(first.runId, 'b');
    expect(ofType('approval-response').map((event) => [event.path, event.edited])).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });
});
