import { generateText } from 'ai';
import { describe, expect, it, vi } from 'vitest';
import { BatonError } from '../../src/core/index.js';
import { createLocalModel } from '../../src/models/index.js';
import { storiesModelPath } from './test-models.js';

// As if node-llama-cpp were not installed: importing it fails the way Node fails a missing package.
vi.mock('node-llama-cpp', () => {
  throw Object.assign(new Error("Cannot find package 'node-llama-cpp'"), { code: 'ERR_MODULE_NOT_FOUND' });
});

describe('a local model without node-llama-cpp', () => {
  it('fails with the command that installs it', async () => {
    const model = createLocalModel({ modelPath: storiesModelPath, threads: 1 });
    const error = await generateText({ model, prompt: 'Hi', maxRetries: 0 }).then(
      () => expect.unreachable('the call should fail'),
      (thrown: unknown) => thrown,
    );
    expect(BatonError.is(error, 'MODEL_CALL_FAILED')).toBe(true);
    expect(error).toMatchObject({
      message: 'Local models need the node-llama-cpp package, which is not installed.',
      hint: 'Run `npm install node-llama-cpp` in your project, or use another provider.',
    });
  });
});
