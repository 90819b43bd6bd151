import { describe, expect, it } from 'vitest';
import { fromModels } from '../../../src/baton.js';
import { createEngine, type ModelResolver, type SubCallRecord } from '../../../src/core/index.js';
import { modelRecoveriesOf, modelRecoveryKind } from '../../../src/core/runner/model-recoveries.js';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';
import { createScriptedModel } from '../../../src/testing/index.js';
import { define } from '../fixtures.js';

const record = (sequence: number, kind: string, response?: unknown): SubCallRecord => ({
  runId: 'r',
  path: 'ask',
  sequence,
  kind,
  response,
  createdAt: 0,
});

describe('modelRecoveriesOf', () => {
  it("lists the retries and fallbacks of a step's attempts, oldest attempt first, and nothing else", () => {
    const retry = (attempt: number, retry: number) => ({ type: 'retry', attempt, retry });
    // In the order they were written: oldest attempt first, so at the highest sequence.
    const calls = [
      record(-1, modelRecoveryKind, { recoveries: [retry(1, 1), retry(1, 2)] }),
      record(-2, modelRecoveryKind, { recoveries: [retry(2, 1)] }),
      record(0, 'generate', { recoveries: [retry(9, 9)] }),
      record(-3, modelRecoveryKind, {}),
      record(-4, modelRecoveryKind, { recoveries: [retry(4, 1)] }),
    ];
    expect(modelRecoveriesOf(calls)).toEqual([retry(1, 1), retry(1, 2), retry(2, 1), retry(4, 1)]);
    expect(modelRecoveriesOf([record(-1, modelRecoveryKind)])).toEqual([]);
  });
});

describe('journalModelRecoveries', () => {
  it("keeps the model layer's retries of an attempt with the step, below the step's own calls", async () => {
    const base = fromModels({ test: createScriptedModel(['fine']) });
    // A model layer that had to try once more before the call went through.
    const models: ModelResolver = {
      resolve: (name, path, hooks) => {
        hooks?.onRetry?.({
          model: 'test',
          retry: 1,
          delayMs: 5,
          error: Object.assign(new Error('busy'), { statusCode: 429 }),
        });
        return base.resolve(name, path, hooks);
      },
    };
    const store = new MemoryStore();
    const engine = createEngine({ store, models });
    const result = await engine.run(define({ steps: [{ id: 'ask', kind: 'llm', prompt: 'Hi' }] }));
    expect(result.output).toEqual({ ask: 'fine' });
    const calls = await store.listSubCalls(result.runId, 'ask');
    expect(calls.find((call) => call.kind === modelRecoveryKind)?.sequence).toBe(-1);
    expect(modelRecoveriesOf(calls)).toEqual([
      expect.objectContaining({
        type: 'retry',
        attempt: 1,
        model: 'test',
        retry: 1,
        statusCode: 429,
        delayMs: 5,
      }),
    ]);
  });
});
