import { describe, expect, it } from 'vitest';
import type { Workflow } from '../../../src/core/index.js';
import { missingFunctions } from '../../../src/core/runner/needed-functions.js';

const workflow = {
  name: 'named',
  steps: [
    { id: 'done', kind: 'transform', value: { function: 'finished' } },
    { id: 'draft', kind: 'transform', value: { function: 'write' }, description: null },
    { id: 'check', kind: 'llm', prompt: `{{ $call("score") }} {{ $call( 'rank' ) }}`, needs: ['draft'] },
    {
      id: 'each',
      kind: 'map',
      items: '[1]',
      steps: [{ id: 'inner', kind: 'transform', value: { function: 'per-item' } }],
    },
    // An object with more than a function name is a value, not a call.
    { id: 'plain', kind: 'transform', value: { function: 'not-a-call', other: 1 } },
  ],
  output: { total: { function: 'sum' } },
} as unknown as Workflow;

describe('missingFunctions', () => {
  it('lists the functions the unfinished steps and the output name, that are not given, sorted', () => {
    expect(missingFunctions(workflow, { write: () => 1 }, new Set(['done']))).toEqual([
      'per-item',
      'rank',
      'score',
      'sum',
    ]);
    expect(missingFunctions(workflow, {}, new Set())).toEqual([
      'finished',
      'per-item',
      'rank',
      'score',
      'sum',
      'write',
    ]);
  });
});
