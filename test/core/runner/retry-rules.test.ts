import { describe, expect, it } from 'vitest';
import { fromModels } from '../../../src/baton.js';
import {
  BatonError,
  type BatonEvent,
  createEngine,
  retryAfterOf,
  type Step,
  type ToolDefinition,
} from '../../../src/core/index.js';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';
import { createScriptedModel, type ScriptedResponse } from '../../../src/testing/index.js';
import { define, setup } from '../fixtures.js';

const now = Date.parse('2025-11-20T10:15:00Z');

describe('retryAfterOf at its edges', () => {
  it('takes a retry-after-ms of 0, and falls back to retry-after for a negative or unreadable one', () => {
    expect(retryAfterOf({ 'retry-after-ms': '0', 'retry-after': '9' }, now)).toBe(0);
    expect(retryAfterOf({ 'retry-after-ms': '-5', 'retry-after': '3' }, now)).toBe(3_000);
    expect(retryAfterOf({ 'retry-after-ms': 'soon', 'retry-after': '3' }, now)).toBe(3_000);
    expect(retryAfterOf({ 'retry-after-ms': '-5' }, now)).toBeUndefined();
    expect(retryAfterOf({ 'RETRY-AFTER-MS': '40' }, now)).toBe(40);
  });

  it('reads seconds of 0, and around whitespace', () => {
    expect(retryAfterOf({ 'retry-after': '0' }, now)).toBe(0);
    expect(retryAfterOf({ 'retry-after': '  4 ' }, now)).toBe(4_000);
  });

  it('reads nothing from an empty, blank or partly numeric value', () => {
    expect(retryAfterOf({ 'retry-after': '' }, now)).toBeUndefined();
    expect(retryAfterOf({ 'retry-after': '   ' }, now)).toBeUndefined();
    // Neither a number of seconds (the pattern is anchored at both ends) nor a date.
    expect(retryAfterOf({ 'retry-after': 'x5' }, now)).toBeUndefined();
    expect(retryAfterOf({ 'retry-after': '5x' }, now)).toBeUndefined();
    expect(retryAfterOf({ 'retry-after': '-3' }, now)).not.toBe(-3_000);
    expect(retryAfterOf({ 'retry-after': '1.' }, now)).not.toBe(1_000);
  });
});

/** A tool that fails the way `fail` says, counting its calls. */
function failingTool(fail: () => never) {
  const tool = { calls: 0, inputSchema: { type: 'object' }, execute: () => fail() } as ToolDefinition & {
    calls: number;
  };
  tool.execute = () => {
    tool.calls++;
    return fail();
  };
  return tool;
}

const retried = (events: BatonEvent[]) => events.filter((event) => event.type === 'attempt-retry');

describe('which errors a step retries', () => {
  it('retries any error under retryOn: all, up to maxAttempts', async () => {
    const tool = failingTool(() => {
      throw new Error('flaky');
    });
    const { engine, events } = setup({ tools: { flaky: tool }, random: () => 0 });
    const steps: Step[] = [
      {
        id: 'call',
        kind: 'tool',
        tool: 'flaky',
        retry: { maxAttempts: 3, retryOn: 'all', initialDelayMs: 1 },
      },
    ];
    const result = await engine.run(define({ steps }));
    expect(result.status).toBe('failed');
    expect(tool.calls).toBe(3);
    expect(retried(events)).toHaveLength(2);
  });

  it('does not retry a cancelled step, even under retryOn: all', async () => {
    const tool = failingTool(() => {
      throw new BatonError('RUN_CANCELLED', 'stopped', { retryable: true });
    });
    const { engine, events } = setup({ tools: { stop: tool } });
    const steps: Step[] = [
      { id: 'call', kind: 'tool', tool: 'stop', retry: { maxAttempts: 3, retryOn: 'all' } },
    ];
    await engine.run(define({ steps }));
    expect(tool.calls).toBe(1);
    expect(retried(events)).toHaveLength(0);
  });

  it('does not retry a budget stop, even under retryOn: all', async () => {
    const tool = failingTool(() => {
      throw new BatonError('BUDGET_EXCEEDED', 'over', { retryable: true });
    });
    const { engine, events } = setup({ tools: { spend: tool } });
    const steps: Step[] = [
      { id: 'call', kind: 'tool', tool: 'spend', retry: { maxAttempts: 3, retryOn: 'all' } },
    ];
    const result = await engine.run(define({ steps }));
    expect(result.error).toMatchObject({ code: 'BUDGET_EXCEEDED' });
    expect(tool.calls).toBe(1);
    expect(retried(events)).toHaveLength(0);
  });
});

const answer: ScriptedResponse = { text: 'ok', usage: { inputTokens: 1, outputTokens: 99 } };

function priced() {
  const model = createScriptedModel([answer], { modelId: 'priced' });
  const store = new MemoryStore();
  const engine = createEngine({
    store,
    models: fromModels({ priced: { model, pricing: { inputPerMillion: 1, outputPerMillion: 1 } } }),
  });
  const events: BatonEvent[] = [];
  engine.subscribe((event) => events.push(event));
  return { model, engine, events, store };
}

describe('run budget limits', () => {
  const steps: Step[] = [{ id: 'only', kind: 'llm', prompt: 'abcd', maxOutputTokens: 99 }];

  it('lets a call whose estimate reaches the budget exactly go, and stops one a token over', async () => {
    const over = priced();
    const stopped = await over.engine.run(define({ steps }), { budget: { maxTokens: 99 } });
    expect(stopped.error).toMatchObject({ code: 'BUDGET_EXCEEDED' });
    const estimate = stopped.error?.details?.estimate as number;
    const exact = priced();
    const result = await exact.engine.run(define({ steps }), { budget: { maxTokens: estimate } });
    expect(result.status).toBe('succeeded');
    const tight = priced();
    const refused = await tight.engine.run(define({ steps }), { budget: { maxTokens: estimate - 1 } });
    expect(refused.error).toMatchObject({ code: 'BUDGET_EXCEEDED', details: { limit: estimate - 1 } });
    const cost = (estimate * 1) / 1_000_000;
    const dollars = priced();
    expect((await dollars.engine.run(define({ steps }), { budget: { maxCostUsd: cost } })).status).toBe(
      'succeeded',
    );
  });

  it('makes one attempt at a step stopped by its budget, whatever its retry policy', async () => {
    const { engine, events, store } = priced();
    const retrying: Step[] = [
      { id: 'only', kind: 'llm', prompt: 'x', retry: { maxAttempts: 3, retryOn: 'all', initialDelayMs: 1 } },
    ];
    const result = await engine.run(define({ steps: retrying }), { budget: { maxTokens: 10 } });
    expect(result.error).toMatchObject({ code: 'BUDGET_EXCEEDED', stepPath: 'only' });
    expect(retried(events)).toHaveLength(0);
    expect(events.filter((event) => event.type === 'step-start')).toHaveLength(1);
    expect(await store.listAttempts(result.runId, 'only')).toHaveLength(1);
  });
});
