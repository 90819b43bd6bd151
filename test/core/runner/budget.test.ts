import { describe, expect, it } from 'vitest';
import { fromModels } from '../../../src/baton.js';
import {
  type BatonEvent,
  createEngine,
  type ModelPricing,
  type Step,
  type ToolDefinition,
} from '../../../src/core/index.js';
import {
  costOf,
  defaultOutputTokens,
  estimateCall,
  expectedInputTokens,
  reserveBudget,
} from '../../../src/core/runner/budget.js';
import type { RunState } from '../../../src/core/runner/run-state.js';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';
import { createScriptedModel, type ScriptedResponse } from '../../../src/testing/index.js';
import { define } from '../fixtures.js';

// $1 per million input tokens, $2 per million output tokens: a call of 1000 in / 500 out costs $0.002.
const pricing: ModelPricing = { inputPerMillion: 1, outputPerMillion: 2, cachedInputPerMillion: 0.5 };
const answer: ScriptedResponse = { text: 'ok', usage: { inputTokens: 1000, outputTokens: 500 } };

function priced(responses: ScriptedResponse[], tools: Record<string, ToolDefinition> = {}) {
  const model = createScriptedModel(responses, { modelId: 'priced' });
  const engine = createEngine({
    store: new MemoryStore(),
    models: fromModels({ priced: { model, pricing } }),
    tools,
  });
  const events: BatonEvent[] = [];
  engine.subscribe((event) => events.push(event));
  return { model, engine, events };
}

const chain: Step[] = [
  { id: 'first', kind: 'llm', prompt: 'one', maxOutputTokens: 500 },
  { id: 'second', kind: 'llm', prompt: 'two {{ steps.first }}', maxOutputTokens: 500 },
  { id: 'third', kind: 'llm', prompt: 'three {{ steps.second }}', maxOutputTokens: 500 },
];

describe('costOf', () => {
  it('prices input, cached input and output tokens per million', () => {
    expect(costOf(pricing, { inputTokens: 1000, outputTokens: 500, cachedInputTokens: 0 })).toBeCloseTo(
      0.002,
      12,
    );
    expect(costOf(pricing, { inputTokens: 1000, outputTokens: 0, cachedInputTokens: 400 })).toBeCloseTo(
      0.0008,
      12,
    );
    expect(costOf(undefined, { inputTokens: 1000, outputTokens: 500, cachedInputTokens: 0 })).toBe(0);
    expect(
      costOf(
        { inputPerMillion: 3, outputPerMillion: 15 },
        { inputTokens: 1000, outputTokens: 0, cachedInputTokens: 0 },
      ),
    ).toBeCloseTo(0.003, 12);
  });
});

describe('reserveBudget', () => {
  /** A run that has spent `costUsd` and `tokens` (all input) under `budget`. */
  const runWith = (budget: RunState['budget'], costUsd = 0, tokens = 0) =>
    ({ budget, costUsd, usage: { inputTokens: tokens, outputTokens: 0, cachedInputTokens: 0 } }) as RunState;
  const estimate = (tokens: number, costUsd = 0) => ({ inputTokens: tokens, outputTokens: 0, costUsd });

  it('holds the tokens of calls in flight until each is released, once however often it is', () => {
    const run = runWith({ maxTokens: 1000 }, 0, 100);
    const first = reserveBudget(run, 'a', 'm', estimate(500));
    expect(() => reserveBudget(run, 'b', 'm', estimate(500))).toThrow(
      'Step "b" stopped before calling m: the run has spent 600 tokens, the call is estimated at 500 tokens, and the budget\'s maxTokens is 1000 tokens.',
    );
    first();
    first();
    const second = reserveBudget(run, 'b', 'm', estimate(500));
    expect(() => reserveBudget(run, 'c', 'm', estimate(500))).toThrow(/has spent 600 tokens/);
    second();
    // Exactly the budget is within it.
    expect(() => reserveBudget(run, 'c', 'm', estimate(900))).not.toThrow();
  });

  it('states a cost limit in dollars, with details and no retry', () => {
    const run = runWith({ maxCostUsd: 0.01 }, 0.004);
    expect(() => reserveBudget(run, 'a', 'm', estimate(10, 0.006))).not.toThrow();
    let refused: unknown;
    try {
      reserveBudget(run, 'b', 'm', estimate(10, 0.001));
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({
      code: 'BUDGET_EXCEEDED',
      retryable: false,
      message:
        'Step "b" stopped before calling m: the run has spent $0.010000, the call is estimated at $0.001000, and the budget\'s maxCostUsd is $0.010000.',
      hint: "Raise maxCostUsd in the run's budget, or use a cheaper model or a lower maxOutputTokens.",
      details: { budget: 'maxCostUsd', spent: 0.01, estimate: 0.001, limit: 0.01, model: 'm' },
    });
  });

  it('refuses an unpriced call under a cost limit unless unpriced calls are allowed, and only then', () => {
    expect(() => reserveBudget(runWith({ maxCostUsd: 1 }), 'a', 'm', estimate(10), false)).toThrow(
      expect.objectContaining({
        code: 'BUDGET_EXCEEDED',
        retryable: false,
        details: expect.objectContaining({ unpriced: true }),
      }),
    );
    expect(() =>
      reserveBudget(runWith({ maxCostUsd: 1, allowUnpriced: true }), 'a', 'm', estimate(10), false),
    ).not.toThrow();
    expect(() => reserveBudget(runWith({ maxTokens: 100 }), 'a', 'm', estimate(10), false)).not.toThrow();
    // A call is priced unless it says otherwise.
    expect(() => reserveBudget(runWith({ maxCostUsd: 1 }), 'a', 'm', estimate(10))).not.toThrow();
  });
});

describe('estimateCall', () => {
  it('counts four characters a token and the output cap, or the default output', () => {
    expect(estimateCall({ promptCharacters: 4000, maxOutputTokens: 100, pricing })).toEqual({
      inputTokens: 1000,
      outputTokens: 100,
      costUsd: (1000 * 1 + 100 * 2) / 1_000_000,
    });
    expect(estimateCall({ promptCharacters: 10 }).outputTokens).toBe(defaultOutputTokens);
  });

  it('counts a text four characters a token, rounding up', () => {
    expect([0, 1, 4, 5, 8].map((length) => expectedInputTokens('x'.repeat(length)))).toEqual([0, 1, 1, 2, 2]);
  });
});

describe('run budget', () => {
  it('reports the cost of every call, step and run from the price table', async () => {
    const { engine, events } = priced([answer]);
    const result = await engine.run(define({ steps: chain }));
    expect(result.status).toBe('succeeded');
    expect(result.usage).toEqual({ inputTokens: 3000, outputTokens: 1500, cachedInputTokens: 0 });
    expect(result.costUsd).toBeCloseTo(0.006, 12);
    const calls = events.filter((event) => event.type === 'model-call');
    expect(calls.map((event) => event.costUsd)).toEqual([0.002, 0.002, 0.002]);
    const ends = events.filter((event) => event.type === 'step-end');
    expect(ends.map((event) => event.costUsd)).toEqual([0.002, 0.002, 0.002]);
  });

  it('stops before the call that would cross maxCostUsd, without making it', async () => {
    const { engine, model } = priced([answer]);
    const result = await engine.run(define({ steps: chain }), { budget: { maxCostUsd: 0.005 } });
    expect(result.status).toBe('failed');
    expect(model.calls).toHaveLength(2);
    expect(result.costUsd).toBeCloseTo(0.004, 12);
    expect(result.error).toMatchObject({
      code: 'BUDGET_EXCEEDED',
      stepPath: 'third',
      retryable: false,
      details: { budget: 'maxCostUsd', limit: 0.005, model: 'scripted:priced' },
    });
    expect(result.error?.details?.spent).toBeCloseTo(0.004, 12);
    // 500 output tokens at $2 per million, plus the prompt's few characters.
    expect(result.error?.details?.estimate).toBeGreaterThan(0.001);
    expect(result.error?.details?.estimate).toBeLessThan(0.0011);
  });

  it('stops before the call that would cross maxTokens', async () => {
    const { engine, model } = priced([answer]);
    const result = await engine.run(define({ steps: chain }), { budget: { maxTokens: 3500 } });
    expect(model.calls).toHaveLength(2);
    expect(result.error).toMatchObject({
      code: 'BUDGET_EXCEEDED',
      stepPath: 'third',
      details: { budget: 'maxTokens', spent: 3000, limit: 3500 },
    });
  });

  it('does not retry a step stopped by its budget', async () => {
    const { engine, model, events } = priced([answer]);
    const steps: Step[] = [
      { id: 'only', kind: 'llm', prompt: 'x', retry: { maxAttempts: 3, retryOn: 'all' } },
    ];
    const result = await engine.run(define({ steps }), { budget: { maxCostUsd: 0.001 } });
    expect(result.error).toMatchObject({ code: 'BUDGET_EXCEEDED', stepPath: 'only' });
    expect(model.calls).toHaveLength(0);
    // The budget check comes before the call, so only the attempts show whether it was retried.
    expect(events.filter((event) => event.type === 'attempt-retry')).toHaveLength(0);
    expect(events.filter((event) => event.type === 'step-start')).toHaveLength(1);
  });

  it('holds the estimate of calls in flight, so parallel steps cannot all pass the check', async () => {
    const { engine, model } = priced([{ ...answer, delayMs: 5 }]);
    const steps: Step[] = ['a', 'b', 'c'].map((id) => ({
      id,
      kind: 'llm',
      prompt: id,
      maxOutputTokens: 500,
    }));
    const result = await engine.run(define({ steps }), { budget: { maxCostUsd: 0.0025 } });
    // a and b hold $0.001 each; c would make it $0.003, so it stops before its call.
    expect(result.error).toMatchObject({ code: 'BUDGET_EXCEEDED', stepPath: 'c' });
    expect(result.error?.details?.spent).toBeCloseTo(0.002, 4);
    expect(model.calls.length).toBeLessThanOrEqual(2);
  });

  it('applies to every turn of an agent', async () => {
    const turn = (city: string): ScriptedResponse => ({
      toolCalls: [{ toolName: 'weather', input: { city } }],
      usage: { inputTokens: 1000, outputTokens: 500 },
    });
    const weather: ToolDefinition = { inputSchema: { type: 'object' }, execute: () => 'sunny' };
    const { model, engine } = priced([turn('Paris'), turn('Rome'), turn('Oslo'), answer], { weather });
    const steps: Step[] = [
      { id: 'agent', kind: 'agent', prompt: 'Weather?', tools: ['weather'], maxIterations: 10 },
    ];
    // Two turns cost $0.004; the third is estimated at more than the $0.001 left.
    const result = await engine.run(define({ steps }), { budget: { maxCostUsd: 0.005 } });
    expect(result.error).toMatchObject({ code: 'BUDGET_EXCEEDED', stepPath: 'agent' });
    expect(model.calls).toHaveLength(2);
  });
});
