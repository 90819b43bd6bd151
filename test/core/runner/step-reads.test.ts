import { describe, expect, it } from 'vitest';
import type { Step } from '../../../src/core/index.js';
import { readsOf, withReads } from '../../../src/core/runner/step-reads.js';

describe('readsOf', () => {
  it('reads the steps a step names and needs, present in scope', () => {
    const step = { id: 'b', kind: 'transform', value: 'steps.a.x', needs: ['c', 'gone'] } as Step;
    expect(readsOf(step, { steps: { a: { x: 1 }, c: 2, other: 3 } })).toStrictEqual({
      'steps.a': { x: 1 },
      'steps.c': 2,
    });
  });

  it('reads nothing of a step whose expressions do not parse, leaving the error to its run', () => {
    const step = { id: 'b', kind: 'transform', value: 'steps.a +' } as Step;
    expect(readsOf(step, { steps: { a: 1 } })).toStrictEqual({});
  });
});

describe('withReads', () => {
  it('adds what a step read to its input, wrapping an input that is not an object', () => {
    const reads = { 'steps.a': 1 };
    expect(withReads({ x: 1 }, {})).toStrictEqual({ x: 1 });
    expect(withReads(undefined, reads)).toStrictEqual({ reads });
    expect(withReads({ x: 1 }, reads)).toStrictEqual({ x: 1, reads });
    expect(withReads([1], reads)).toStrictEqual({ value: [1], reads });
    expect(withReads(null, reads)).toStrictEqual({ value: null, reads });
    expect(withReads('text', reads)).toStrictEqual({ value: 'text', reads });
  });
});
