import { describe, expect, it } from 'vitest';
import { assertValidWorkflow, BatonError, validateWorkflow } from '../../../src/core/index.js';

const messages = (document: unknown, functions?: Record<string, () => unknown>) =>
  validateWorkflow(document, functions).problems.map((problem) => problem.message);

describe('validateWorkflow', () => {
  it('accepts a valid workflow and returns it', () => {
    const { workflow, problems } = validateWorkflow({
      name: 'ok',
      steps: [
        { id: 'a', kind: 'transform', value: '1' },
        { id: 'b', kind: 'transform', value: 'steps.a + 1' },
      ],
    });
    expect(problems).toEqual([]);
    expect(workflow?.name).toBe('ok');
  });

  it('returns every problem at once, each with its path', () => {
    const { problems } = validateWorkflow({
      name: 'many',
      steps: [
        { id: 'a', kind: 'transform', value: 'steps.nope' },
        { id: 'a', kind: 'transform', value: '1' },
        { id: 'c', kind: 'transform', value: '1', needs: ['ghost'] },
      ],
    });
    expect(problems.map((problem) => problem.path)).toEqual([
      ['steps', 1, 'id'],
      ['steps', 0],
      ['steps', 2, 'needs', 0],
    ]);
    expect(problems.map((problem) => problem.message)).toEqual([
      'Duplicate step id "a" (first at steps[0]).',
      'Step "a" reads steps.nope, but there is no step "nope".',
      'Unknown step "ghost" in needs of "c".',
    ]);
  });

  it('names the steps of a cycle', () => {
    expect(
      messages({
        name: 'cycle',
        steps: [
          { id: 'a', kind: 'transform', value: 'steps.c' },
          { id: 'b', kind: 'transform', value: 'steps.a' },
          { id: 'c', kind: 'transform', value: 'steps.b' },
        ],
      }),
    ).toEqual(['Steps form a cycle: a → b → c → a. Remove one of these dependencies.']);
  });

  it('refuses a read of a step that is not a dependency', () => {
    expect(
      messages({
        name: 'undeclared',
        steps: [
          { id: 'a', kind: 'transform', value: '1' },
          { id: 'b', kind: 'transform', value: '2' },
          { id: 'c', kind: 'transform', value: 'steps.a + steps.b', needs: ['a'] },
        ],
      }),
    ).toEqual(['Step "c" reads steps.b, but "b" is not one of its dependencies. Add it to needs.']);
  });

  it('accepts a read of an indirect ancestor', () => {
    expect(
      messages({
        name: 'ancestor',
        steps: [
          { id: 'a', kind: 'transform', value: '1' },
          { id: 'b', kind: 'transform', value: 'steps.a' },
          { id: 'c', kind: 'transform', value: 'steps.a', needs: ['b'] },
        ],
      }),
    ).toEqual([]);
  });

  it('refuses inputs the input schema does not declare', () => {
    expect(
      messages({
        name: 'inputs',
        input: { type: 'object', properties: { question: { type: 'string' } }, required: ['question'] },
        steps: [{ id: 'a', kind: 'llm', prompt: 'Answer {{ input.question }} for {{ input.customer }}' }],
      }),
    ).toEqual(['Step "a" reads input.customer, which the workflow\'s input schema does not declare.']);
  });

  it('reports a loop without a cap and a map without items', () => {
    expect(
      messages({
        name: 'caps',
        steps: [
          { id: 'l', kind: 'loop', until: 'true', steps: [{ id: 'x', kind: 'transform', value: '1' }] },
          { id: 'm', kind: 'map', steps: [{ id: 'y', kind: 'transform', value: '1' }] },
        ],
      }),
    ).toEqual([
      'A loop needs maxIterations: a cap on how many times it repeats.',
      'A map needs items: an expression giving the list to map over.',
    ]);
  });

  it('reports expression syntax errors and invalid schemas', () => {
    const found = messages({
      name: 'syntax',
      steps: [
        { id: 'a', kind: 'transform', value: 'steps.(' },
        { id: 'b', kind: 'transform', value: '1', output: { type: 'no-such-type' } },
      ],
    });
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^Cannot parse expression `steps\.\(`/);
    expect(found[1]).toMatch(/^Invalid JSON Schema/);
  });

  it('reports unknown route steps, a bad default and unregistered functions', () => {
    expect(
      messages(
        {
          name: 'routes',
          steps: [
            { id: 'r', kind: 'branch', routes: { a: { when: 'true', steps: ['x'] } }, default: 'b' },
            { id: 'f', kind: 'transform', value: { function: 'missing' } },
          ],
        },
        {},
      ),
    ).toEqual([
      'Default route "b" is not one of: a.',
      'Route "a" names unknown step "x".',
      'Function "missing" is not registered with the workflow.',
    ]);
  });

  it('checks the steps inside a map against the outer steps', () => {
    expect(
      messages({
        name: 'nested',
        steps: [
          { id: 'list', kind: 'transform', value: '[1,2]' },
          {
            id: 'each',
            kind: 'map',
            items: 'steps.list',
            steps: [
              { id: 'double', kind: 'transform', value: 'item * 2' },
              { id: 'use', kind: 'transform', value: 'steps.double + steps.ghost' },
            ],
          },
        ],
      }),
    ).toEqual(['Step "use" reads steps.ghost, but there is no step "ghost".']);
  });

  it('throws WORKFLOW_INVALID listing the problems', () => {
    let error: unknown;
    try {
      assertValidWorkflow({ name: 'bad', steps: [{ id: 'a', kind: 'transform', value: 'steps.b' }] });
    } catch (caught) {
      error = caught;
    }
    expect(BatonError.is(error, 'WORKFLOW_INVALID')).toBe(true);
    expect((error as BatonError).message).toContain('steps[0]: Step "a" reads steps.b');
  });
});

describe('validateWorkflow with shape errors', () => {
  it('still reports the graph problems of the steps that parse', () => {
    expect(
      messages({
        name: 'both',
        steps: [
          { id: 'a', kind: 'llm' },
          { id: 'b', kind: 'transform', value: 'steps.a', needs: ['ghost'] },
        ],
      }),
    ).toEqual(['Missing required field "prompt".', 'Unknown step "ghost" in needs of "b".']);
  });
});
