import { generateText } from 'ai';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/core/index.js';
import { createLocalModel, createModelRegistry, disposeLocalModels } from '../../src/models/index.js';
import { defaultLocalOutputTokens } from '../../src/models/local-model.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { define } from '../core/fixtures.js';
import { randomModelPath, storiesModelPath } from './test-models.js';

afterAll(() => disposeLocalModels());

describe('local generation limits', () => {
  it('stop a model that never stops on its own at the default output limit', async () => {
    // Random weights: it neither ends its turn nor writes a blank line.
    const model = createLocalModel({ modelPath: randomModelPath, threads: 1, contextSize: 2048 });
    const result = await generateText({ model, prompt: 'Say hello.', maxRetries: 0 });
    expect(result.finishReason).toBe('length');
    expect(result.usage.outputTokens).toBe(defaultLocalOutputTokens);
  }, 120_000);

  it("take the step's maxOutputTokens and the provider's stop sequences over the defaults", async () => {
    const models = createModelRegistry(
      {
        providers: {
          local: { modelPath: storiesModelPath, threads: 1, contextSize: 512, stopSequences: ['.'] },
        },
      },
      { env: {} },
    );
    const store = new MemoryStore();
    const engine = createEngine({ store, models });
    const result = await engine.run(
      define({
        steps: [
          {
            id: 'short',
            kind: 'llm',
            model: 'local:default',
            prompt: 'Once upon a time',
            maxOutputTokens: 6,
            // Cut at the step's own limit: OUTPUT_TRUNCATED unless the step keeps the cut-off answer.
            onTruncate: 'accept',
            temperature: 0,
          },
          {
            id: 'sentence',
            kind: 'llm',
            model: 'local:default',
            prompt: 'Once upon a time',
            maxOutputTokens: 200,
            temperature: 0,
          },
        ],
      }),
    );
    expect(result.status).toBe('succeeded');
    const output = result.output as { short: string; sentence: string };
    const steps = await store.listSteps(result.runId);
    expect(steps.find((step) => step.path === 'short')?.usage?.outputTokens).toBeLessThanOrEqual(6);
    // Greedy stories260K: ", there was a little girl named Lily." then more; the stop ends it at the period.
    expect(output.sentence).toBe(', there was a little girl named Lily');
  }, 120_000);
});
