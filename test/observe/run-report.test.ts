import { describe, expect, it } from 'vitest';
import { fromModels } from '../../src/baton.js';
import { createEngine } from '../../src/core/index.js';
import { createRunReport } from '../../src/observe/run-report.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { createScriptedModel } from '../../src/testing/index.js';
import { define, setup } from '../core/fixtures.js';

describe('createRunReport', () => {
  it('counts steps by status and gives duration, output size, tokens and cost per step and model', async () => {
    const cheap = createScriptedModel([{ text: 'short', usage: { inputTokens: 1000, outputTokens: 100 } }], {
      modelId: 'cheap',
    });
    const store = new MemoryStore();
    const run = createEngine({
      store,
      models: fromModels({ cheap: { model: cheap, pricing: { inputPerMillion: 1, outputPerMillion: 10 } } }),
    });
    const result = await run.run(
      define({
        steps: [
          { id: 'ask', kind: 'llm', prompt: 'hi', model: 'cheap' },
          { id: 'len', kind: 'transform', value: '$length(steps.ask)' },
          { id: 'never', kind: 'transform', value: '1', when: 'false' },
        ],
      }),
    );
    const report = await createRunReport(store, result.runId);
    expect(report).toMatchObject({
      status: 'succeeded',
      counts: { succeeded: 2, skipped: 1, failed: 0 },
      usage: { inputTokens: 1000, outputTokens: 100 },
      models: [{ model: 'scripted:cheap', steps: 1, usage: { inputTokens: 1000, outputTokens: 100 } }],
    });
    expect(report.costUsd).toBeCloseTo(0.002, 10);
    expect(report.steps.map((step) => [step.path, step.status, step.outputSize]).sort()).toEqual([
      ['ask', 'succeeded', 5],
      ['len', 'succeeded', 1],
      ['never', 'skipped', 0],
    ]);
    expect(report.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('names a run that does not exist', async () => {
    const { store } = setup();
    await expect(createRunReport(store, 'run_nope')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });
});
