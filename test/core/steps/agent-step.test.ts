import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Step, Store, ToolDefinition } from '../../../src/core/index.js';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';
import { SqliteStore } from '../../../src/store/sqlite/index.js';
import {
  createScriptedModel,
  type ScriptedModel,
  type ScriptedResponse,
} from '../../../src/testing/index.js';
import { define, setup } from '../fixtures.js';

// The journal is read back by a fresh engine: once from memory, once from a SQLite file.
const directory = mkdtempSync(join(tmpdir(), 'baton-agent-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const stores: Array<[string, () => Store]> = [
  ['memory', () => new MemoryStore()],
  ['sqlite', () => new SqliteStore(join(directory, 'journal.db'))],
];

const temperatures: Record<string, number> = { Paris: 21, Rome: 27 };

/** A weather tool that records its calls and how many ran at once. */
function weatherTool() {
  const calls: Array<{ city: string; key: string }> = [];
  let active = 0;
  const tool = {
    description: 'Current temperature of a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }: { city: string }, context: { idempotencyKey: string }) => {
      calls.push({ city, key: context.idempotencyKey });
      active++;
      tool.mostAtOnce = Math.max(tool.mostAtOnce, active);
      // Yield once, so calls started together overlap here.
      await new Promise((resolve) => setImmediate(resolve));
      active--;
      const celsius = temperatures[city];
      if (celsius === undefined) throw new Error(`unknown city ${city}`);
      return { city, celsius };
    },
    calls,
    mostAtOnce: 0,
  };
  return tool;
}

function agent(fields: Partial<Extract<Step, { kind: 'agent' }>> = {}): Step {
  return {
    id: 'agent',
    kind: 'agent',
    prompt: 'Which city is warmer?',
    tools: ['weather'],
    maxIterations: 6,
    ...fields,
  };
}

const callWeather = (...cities: string[]): ScriptedResponse => ({
  toolCalls: cities.map((city) => ({ toolName: 'weather', input: { city } })),
});

/** Everything a scripted model was sent in one call, as JSON, to look for a tool result or notice. */
const sent = (model: ScriptedModel, call: number) => JSON.stringify(model.calls[call]?.prompt ?? []);

describe('agent step', () => {
  it('runs the tool calls of a turn in parallel and feeds their results into the next turn', async () => {
    const weather = weatherTool();
    const compare: ToolDefinition = {
      inputSchema: z.object({ a: z.number(), b: z.number() }),
      execute: (input) => {
        const { a, b } = input as { a: number; b: number };
        return a > b ? 'first' : 'second';
      },
    };
    const model = createScriptedModel([
      callWeather('Paris', 'Rome'),
      { toolCalls: [{ toolName: 'compare', input: { a: 21, b: 27 } }] },
      'Rome is warmer.',
    ]);
    const { engine, store, ofType } = setup({ model, tools: { weather, compare, unlisted: compare } });
    const result = await engine.run(define({ steps: [agent({ tools: ['weather', 'compare'] })] }));

    expect(result.output).toEqual({
      agent: {
        answer: 'Rome is warmer.',
        turns: 3,
        toolCalls: [
          { tool: 'weather', call: 1, input: { city: 'Paris' }, output: { city: 'Paris', celsius: 21 } },
          { tool: 'weather', call: 2, input: { city: 'Rome' }, output: { city: 'Rome', celsius: 27 } },
          { tool: 'compare', call: 4, input: { a: 21, b: 27 }, output: 'second' },
        ],
      },
    });
    expect(weather.mostAtOnce).toBe(2);
    expect(model.calls[0]?.tools?.map((tool) => tool.name)).toEqual(['weather', 'compare']);
    expect(sent(model, 1)).toContain('"celsius":27');
    expect(ofType('model-call')).toHaveLength(3);
    expect(ofType('tool-call').map((event) => event.sequence)).toEqual([1, 2, 4]);
    expect(ofType('tool-result').map((event) => event.output)).toHaveLength(3);
    const journal = await store.listSubCalls(result.runId, 'agent');
    expect(journal.map((call) => [call.sequence, call.kind, call.name])).toEqual([
      [0, 'agent-turn', 'scripted:scripted'],
      [1, 'tool-call', 'weather'],
      [2, 'tool-call', 'weather'],
      [3, 'agent-turn', 'scripted:scripted'],
      [4, 'tool-call', 'compare'],
      [5, 'agent-turn', 'scripted:scripted'],
    ]);
    expect(weather.calls.map((call) => call.key)).toEqual([
      `${result.runId}:agent:1`,
      `${result.runId}:agent:2`,
    ]);
  });

  it('tells the model when a tool throws or its input breaks the schema, and lets it recover', async () => {
    const weather = weatherTool();
    const model = createScriptedModel([
      callWeather('Pariss'),
      { toolCalls: [{ toolName: 'weather', input: { city: 75001 } }] },
      callWeather('Paris'),
      'It is 21 °C in Paris.',
    ]);
    const { engine, ofType } = setup({ model, tools: { weather } });
    const result = await engine.run(define({ steps: [agent()] }));

    expect(result.status).toBe('succeeded');
    const toolCalls = (result.output as { agent: { toolCalls: Array<{ error?: string }> } }).agent.toolCalls;
    expect(toolCalls[0]?.error).toContain('unknown city Pariss');
    expect(toolCalls[1]?.error).toMatch(/city: .*string/i);
    expect(weather.calls.map((call) => call.city)).toEqual(['Pariss', 'Paris']);
    expect(sent(model, 1)).toContain('error-text');
    expect(sent(model, 1)).toContain('unknown city Pariss');
    expect(ofType('tool-result').map((event) => event.error?.code)).toEqual([
      'TOOL_FAILED',
      'INPUT_INVALID',
      undefined,
    ]);
  });

  it('answers a call of a tool the step does not list with the tools it has', async () => {
    const weather = weatherTool();
    const model = createScriptedModel([{ toolCalls: [{ toolName: 'delete_files', input: {} }] }, 'Sorry.']);
    const { engine } = setup({ model, tools: { weather } });
    const result = await engine.run(define({ steps: [agent()] }));
    expect(result.status).toBe('succeeded');
    expect(sent(model, 1)).toContain('Available tools: weather');
  });

  it('fails with LOOP_LIMIT_REACHED when the model still calls tools on the last turn', async () => {
    const weather = weatherTool();
    const cities = ['Paris', 'Rome', 'Oslo'];
    const model = createScriptedModel((call) => callWeather(cities[call % 3] ?? 'Paris'));
    const { engine } = setup({ model, tools: { weather } });
    const result = await engine.run(define({ steps: [agent({ maxIterations: 3 })] }));

    expect(result.error).toMatchObject({
      code: 'LOOP_LIMIT_REACHED',
      stepPath: 'agent',
      details: { maxIterations: 3, pending: [{ tool: 'weather', input: { city: 'Oslo' } }] },
    });
    expect(model.calls).toHaveLength(3);
    expect(weather.calls).toHaveLength(2);
  });

  it('tells the model once that it repeated a call, then fails with LOOP_STUCK', async () => {
    const weather = weatherTool();
    const model = createScriptedModel([callWeather('Paris')]);
    const { engine } = setup({ model, tools: { weather } });
    const result = await engine.run(define({ steps: [agent()] }));

    expect(result.error).toMatchObject({
      code: 'LOOP_STUCK',
      stepPath: 'agent',
      details: { tool: 'weather' },
    });
    expect(model.calls).toHaveLength(3);
    expect(weather.calls).toHaveLength(1);
    expect(sent(model, 2)).toContain('You already called');
  });

  it('goes on after the notice when the model stops repeating', async () => {
    const weather = weatherTool();
    const model = createScriptedModel([
      callWeather('Paris'),
      callWeather('Paris'),
      callWeather('Rome'),
      'Rome.',
    ]);
    const { engine } = setup({ model, tools: { weather } });
    const result = await engine.run(define({ steps: [agent()] }));
    expect(result.output).toMatchObject({ agent: { answer: 'Rome.', turns: 4 } });
    expect(weather.calls.map((call) => call.city)).toEqual(['Paris', 'Rome']);
  });

  it('checks the final answer against the output schema and has an invalid one repaired', async () => {
    const weather = weatherTool();
    const output = { type: 'object', properties: { celsius: { type: 'number' } }, required: ['celsius'] };
    const model = createScriptedModel([
      callWeather('Paris'),
      'It is 21 degrees.',
      { object: { celsius: 21 } },
    ]);
    const { engine, ofType } = setup({ model, tools: { weather } });
    const result = await engine.run(define({ steps: [agent({ output })] }));

    expect(result.output).toEqual({ agent: { celsius: 21 } });
    const system = model.calls[0]?.prompt[0];
    expect(system?.role).toBe('system');
    expect(String(system?.content)).toContain('"required":["celsius"]');
    expect(sent(model, 2)).toContain('not valid JSON');
    expect(ofType('step-end')[0]?.note).toBe('3 turn(s), 1 tool call(s)');
  });

  it('fails with OUTPUT_INVALID keeping the answer when repairs do not help', async () => {
    const output = { type: 'object', properties: { celsius: { type: 'number' } }, required: ['celsius'] };
    const model = createScriptedModel(['warm']);
    const { engine } = setup({ model, tools: { weather: weatherTool() } });
    const result = await engine.run(define({ steps: [agent({ output })] }));
    expect(result.error).toMatchObject({
      code: 'OUTPUT_INVALID',
      stepPath: 'agent',
      details: { text: 'warm', repairs: 2 },
    });
    expect(model.calls).toHaveLength(3);
  });

  it.each(stores)(
    'resumes after 2 of 3 tool calls without calling the finished tools again (%s store)',
    async (_, open) => {
      const store = open();
      const controller = new AbortController();
      // The first process stops once two tool results are in the journal.
      const write = store.writeSubCall.bind(store);
      let toolResults = 0;
      store.writeSubCall = async (call) => {
        await write(call);
        if (call.kind === 'tool-call' && ++toolResults === 2) controller.abort(new Error('process stopped'));
      };
      const executed: Array<[string, string]> = [];
      const tools = (stuck: boolean): Record<string, ToolDefinition> => {
        const source = (name: string): ToolDefinition => ({
          inputSchema: z.object({ topic: z.string() }),
          execute: (_input, context) => {
            executed.push([name, context.idempotencyKey]);
            if (name !== 'news' || !stuck) return `${name} found 3 items`;
            return new Promise((_, reject) =>
              context.abortSignal.addEventListener('abort', () => reject(context.abortSignal.reason)),
            );
          },
        });
        return { papers: source('papers'), patents: source('patents'), news: source('news') };
      };
      const steps: Step[] = [
        {
          id: 'research',
          kind: 'agent',
          prompt: 'Research batteries',
          tools: ['papers', 'patents', 'news'],
          maxIterations: 4,
        },
      ];
      const topic = { topic: 'batteries' };
      const firstModel = createScriptedModel([
        { toolCalls: ['papers', 'patents', 'news'].map((toolName) => ({ toolName, input: topic })) },
      ]);
      const first = setup({ store, model: firstModel, tools: tools(true) });
      const stopped = await first.engine.run(define({ steps }), { signal: controller.signal });
      expect(stopped.status).toBe('cancelled');
      expect((await store.listSubCalls(stopped.runId, 'research')).map((call) => call.sequence)).toEqual([
        0, 1, 2,
      ]);

      const secondModel = createScriptedModel(['Three sources agree.']);
      const second = setup({ store, model: secondModel, tools: tools(false) });
      // With the cache off, only the journal can spare the first turn and the finished tool calls.
      const resumed = await second.engine.resume(stopped.runId, { cache: false });

      expect(resumed.status).toBe('succeeded');
      expect(firstModel.calls).toHaveLength(1);
      expect(secondModel.calls).toHaveLength(1);
      const key = (sequence: number) => `${stopped.runId}:research:${sequence}`;
      expect(executed).toEqual([
        ['papers', key(1)],
        ['patents', key(2)],
        ['news', key(3)],
        ['news', key(3)],
      ]);
      for (const name of ['papers', 'patents', 'news'])
        expect(sent(secondModel, 0)).toContain(`${name} found 3 items`);
      expect(second.ofType('tool-call').map((event) => event.tool)).toEqual(['news']);
      expect(resumed.output).toMatchObject({ research: { answer: 'Three sources agree.', turns: 2 } });
      await store.close?.();
    },
  );
});
