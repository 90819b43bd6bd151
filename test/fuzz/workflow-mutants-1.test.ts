import { describe, expect, it } from 'vitest';
import { fuzzWorkflows } from './fuzz-workflows.js';

// 2,000 mutants in all, in two halves so the test runner can run them side by side.
describe('mutants of the example workflows (first half)', () => {
  it('validate and run 1,000 mutants: no stack trace, no hang, documented exit codes only', async () => {
    const { findings, ran } = await fuzzWorkflows(0, 1000);
    expect(findings).toEqual([]);
    // Some mutants stay valid and really run; a generator that only breaks files tests less.
    expect(ran).toBeGreaterThan(100);
  }, 600_000);
});
