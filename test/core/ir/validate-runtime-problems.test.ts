import { describe, expect, it } from 'vitest';
import { validateWorkflow, workflowWarnings } from '../../../src/core/index.js';
import { define, setup } from '../fixtures.js';

const transform = (id: string, value: string) => ({ id, kind: 'transform' as const, value });

describe('validate catches what would fail only at run time', () => {
  it('reports a syntax error in the workflow output mapping', () => {
    const { problems } = validateWorkflow({
      name: 'w',
      steps: [transform('a', '1')],
      output: { total: '{{ steps.a + }}' },
    });
    expect(problems).toEqual([
      expect.objectContaining({
        path: ['output', 'total'],
        message: expect.stringContaining('Cannot parse'),
      }),
    ]);
  });

  it('reports an output mapping that reads a step that does not exist', () => {
    const { problems } = validateWorkflow({
      name: 'w',
      steps: [transform('a', '1')],
      output: '{{ steps.b }}',
    });
    expect(problems.map((problem) => problem.message)).toEqual([expect.stringContaining('steps.b')]);
  });

  it.each([
    ['the root', { $ref: '#' }],
    [
      'two definitions',
      { $defs: { a: { $ref: '#/$defs/b' }, b: { allOf: [{ $ref: '#/$defs/a' }] } }, $ref: '#/$defs/a' },
    ],
    [
      'a property',
      { type: 'object', properties: { x: { $ref: '#/$defs/x' } }, $defs: { x: { $ref: '#/$defs/x' } } },
    ],
  ])('reports a $ref that leads back to itself through %s', (_name, schema) => {
    const { problems } = validateWorkflow({ name: 'w', steps: [{ ...transform('a', '1'), output: schema }] });
    expect(problems).toEqual([
      expect.objectContaining({ path: ['steps', 0, 'output'], message: expect.stringContaining('$ref') }),
    ]);
  });

  it('accepts a recursive schema that recurses into smaller values', () => {
    const tree = { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#' } } } };
    expect(
      validateWorkflow({ name: 'w', steps: [{ ...transform('a', '1'), output: tree }] }).problems,
    ).toEqual([]);
  });

  it('warns about an input schema no input can satisfy', () => {
    for (const input of [{ not: {} }, { allOf: [{ type: 'object' }, { enum: [] }] }]) {
      const { workflow } = validateWorkflow({ name: 'w', input, steps: [transform('a', '1')] });
      expect(workflow && workflowWarnings(workflow)).toEqual([
        expect.objectContaining({ path: ['input'], message: expect.stringContaining('matches no input') }),
      ]);
    }
    const { workflow } = validateWorkflow({
      name: 'w',
      input: { type: 'object' },
      steps: [transform('a', '1')],
    });
    expect(workflow && workflowWarnings(workflow)).toEqual([]);
  });

  it('counts $$.steps.x and $.steps.x as dependencies', async () => {
    const { engine } = setup();
    const result = await engine.run(
      define({
        steps: [
          {
            id: 'each',
            kind: 'map',
            items: '$$.steps.a',
            steps: [transform('double', 'item * 2')],
          },
          transform('sum', '$sum($.steps.a)'),
          transform('a', '($wait := [1..2000].$string(); [1, 2, 3])'),
        ],
      }),
    );
    expect(result.output).toMatchObject({ each: [2, 4, 6], sum: 6 });
  });

  it('refuses a read of `steps` that names no step unless the step declares needs', () => {
    const dynamic = validateWorkflow({
      name: 'w',
      steps: [transform('a', '1'), transform('b', '$lookup(steps, "a")')],
    });
    expect(dynamic.problems).toEqual([
      expect.objectContaining({ stepId: 'b', message: expect.stringContaining('without naming a step') }),
    ]);
    const declared = validateWorkflow({
      name: 'w',
      steps: [transform('a', '1'), { ...transform('b', '$lookup(steps, "a")'), needs: ['a'] }],
    });
    expect(declared.problems).toEqual([]);
  });
});
