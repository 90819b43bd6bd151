import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  isLiveEvent,
  type LiveEvent,
  type RunOptions,
  type Step,
  type WorkflowDefinition,
} from '../../../src/core/index.js';
import { deltaIntervalMs } from '../../../src/core/steps/stream-deltas.js';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';
import { createScriptedModel, type ScriptedModel } from '../../../src/testing/index.js';
import { define, setup } from '../fixtures.js';

type Delta = Extract<LiveEvent, { type: 'step-delta' }>;

/** Runs a workflow, recording the live events with the monotonic time each arrived at. */
async function runLive(
  engine: ReturnType<typeof setup>['engine'],
  definition: WorkflowDefinition,
  options: RunOptions = {},
) {
  const live: Array<LiveEvent & { at: number }> = [];
  const result = await engine.run(definition, {
    ...options,
    onEvent: (event) => {
      if (isLiveEvent(event)) live.push({ ...event, at: performance.now() });
    },
  });
  const deltas = live.filter((event): event is Delta & { at: number } => event.type === 'step-delta');
  return { result, live, deltas, text: deltas.map((event) => event.delta.text).join('') };
}

const words = (count: number) => Array.from({ length: count }, (_, index) => `word${index}`).join(' ');
const ask = (fields: Partial<Extract<Step, { kind: 'llm' }>> = {}): Step => ({
  id: 'ask',
  kind: 'llm',
  prompt: 'Go',
  ...fields,
});

describe('streamed model answers', () => {
  it('coalesces a fast model to at most one delta per path per window, the text intact', async () => {
    const answer = words(3_000);
    const { engine } = setup({ model: createScriptedModel([answer]) });
    const started = performance.now();
    const { result, deltas, text } = await runLive(engine, define({ steps: [ask()] }));
    const elapsed = performance.now() - started;
    expect(result.output).toEqual({ ask: answer });
    expect(text).toBe(answer);
    // 3,000 chunks arrived; a watcher got one event per window at most, plus the final flush.
    expect(deltas.length).toBeLessThanOrEqual(Math.ceil(elapsed / deltaIntervalMs) + 2);
    expect(deltas.length).toBeLessThan(100);
  });

  it('spaces the deltas of a paced stream by the window, flushing the rest at the end', async () => {
    const answer = words(40);
    const { engine } = setup({ model: createScriptedModel([{ text: answer, chunkDelayMs: 5 }]) });
    const { deltas, text } = await runLive(engine, define({ steps: [ask()] }));
    expect(text).toBe(answer);
    expect(deltas.length).toBeGreaterThan(1);
    // Timers may fire a millisecond early against performance.now(); the last delta is the flush.
    const gaps = deltas.slice(1, -1).map((event, index) => event.at - (deltas[index]?.at ?? 0));
    expect(gaps.every((gap) => gap >= deltaIntervalMs - 5)).toBe(true);
  });

  it('sends a cached answer as one delta', async () => {
    const store = new MemoryStore();
    const model = createScriptedModel(['The cached answer, word by word.']);
    await setup({ model, store }).engine.run(define({ steps: [ask()] }));
    const second = setup({ model, store });
    const { deltas } = await runLive(second.engine, define({ steps: [ask()] }));
    expect(second.ofType('model-call').map((event) => event.cached)).toEqual([true]);
    expect(deltas.map((event) => event.delta)).toEqual([
      { kind: 'text', text: 'The cached answer, word by word.' },
    ]);
  });

  it('resets the stream before a repair, so the text after it is the answer kept', async () => {
    const model = createScriptedModel([{ object: { total: 'twelve' } }, { object: { total: 12 } }]);
    const { engine } = setup({ model });
    const output = { type: 'object', properties: { total: { type: 'number' } }, required: ['total'] };
    const { result, live } = await runLive(engine, define({ steps: [ask({ output, maxRepairs: 1 })] }));
    expect(result.output).toEqual({ ask: { total: 12 } });
    const shown = live.map((event) => (event.type === 'step-delta' ? event.delta.text : `<${event.reason}>`));
    expect(shown.join('')).toBe('{"total":"twelve"}<retry>{"total":12}');
  });

  it('streams the arguments of an agent tool call, then the final text', async () => {
    const model = createScriptedModel([
      { toolCalls: [{ toolName: 'weather', input: { city: 'Paris' }, toolCallId: 'c1' }] },
      'Paris is mild.',
    ]);
    const weather = {
      description: 'Weather of a city',
      inputSchema: z.object({ city: z.string() }),
      execute: async () => ({ celsius: 21 }),
    };
    const { engine } = setup({ model, tools: { weather } });
    const agent: Step = {
      id: 'agent',
      kind: 'agent',
      prompt: 'Weather?',
      tools: ['weather'],
      maxIterations: 3,
    };
    const { result, deltas } = await runLive(engine, define({ steps: [agent] }));
    expect(result.status).toBe('succeeded');
    expect(deltas.map((event) => event.delta)).toEqual([
      { kind: 'tool-call', text: '{"city":"Paris"}', toolName: 'weather', toolCallId: 'c1' },
      { kind: 'text', text: 'Paris is mild.' },
    ]);
  });

  it('resets when a step retries after its answer streamed', async () => {
    const model: ScriptedModel = createScriptedModel([
      'A first answer that the step throws away.',
      'The second answer.',
    ]);
    let checks = 0;
    const { engine } = setup({ model });
    const definition = define(
      {
        steps: [
          ask({
            validate: { function: 'onlySecond' },
            retry: { maxAttempts: 2, initialDelayMs: 1, retryOn: 'all' },
            maxRepairs: 0,
          }),
        ],
      },
      { onlySecond: () => (checks++ === 0 ? ['not yet'] : []) },
    );
    const { result, live } = await runLive(engine, definition);
    expect(result.status).toBe('succeeded');
    const resets = live.filter((event) => event.type === 'stream-reset');
    expect(resets).toMatchObject([{ path: 'ask', attempt: 2, reason: 'retry' }]);
    const after = live.slice(live.indexOf(resets[0] as (typeof live)[number]) + 1);
    expect(after.map((event) => (event.type === 'step-delta' ? event.delta.text : '')).join('')).toBe(
      'The second answer.',
    );
  });

  it('carries the deltas in the events of a run handle, between the start and end of the step, never journaled', async () => {
    const answer = words(30);
    const { engine, store } = setup({ model: createScriptedModel([{ text: answer, chunkDelayMs: 10 }]) });
    const handle = await engine.start(define({ steps: [ask()] }), {});
    const seen: string[] = [];
    let text = '';
    for await (const event of handle.events) {
      seen.push(event.type);
      if (event.type === 'step-delta') {
        expect('seq' in event).toBe(false);
        text += event.delta.text;
      }
    }
    expect((await handle.result).output).toEqual({ ask: answer });
    expect(text).toBe(answer);
    const deltas = seen.flatMap((type, index) => (type === 'step-delta' ? [index] : []));
    expect(deltas.length).toBeGreaterThan(1);
    expect(Math.min(...deltas)).toBeGreaterThan(seen.indexOf('step-start'));
    expect(Math.max(...deltas)).toBeLessThan(seen.indexOf('step-end'));
    const journaled = await store.readEvents(handle.runId);
    expect(journaled.map((event) => event.type)).toEqual(seen.filter((type) => type !== 'step-delta'));
  });

  it('aborts a streaming call when the run is cancelled, keeping no partial answer', async () => {
    const model = createScriptedModel([{ text: words(200), chunkDelayMs: 20 }]);
    const { engine, store } = setup({ model });
    const controller = new AbortController();
    const live: LiveEvent[] = [];
    const running = engine.run(define({ steps: [ask()] }), {
      signal: controller.signal,
      onEvent: (event) => {
        if (!isLiveEvent(event)) return;
        live.push(event);
        if (live.length === 2) controller.abort();
      },
    });
    const result = await running;
    expect(result.status).toBe('cancelled');
    const [step] = await store.listSteps(result.runId);
    expect(step?.output).toBeUndefined();
    // 200 words at 20 ms would take 4 s: the stream stopped when the run was cancelled.
    expect(live.length).toBeLessThan(5);
  });
});
