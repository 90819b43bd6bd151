import { describe, expect, it } from 'vitest';
import { define, setup } from '../fixtures.js';

describe('workflow step', () => {
  it('runs a registered workflow with mapped input, under the caller path', async () => {
    const child = define(
      {
        input: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
        steps: [{ id: 'shout', kind: 'transform', value: { function: 'upper' } }],
        output: '{{ steps.shout }}!',
      },
      { upper: ({ input }: { input: { text: string } }) => input.text.toUpperCase() },
    );
    const { engine, ofType } = setup({
      workflows: { shouter: { ...child, workflow: { ...child.workflow, name: 'shouter' } } },
    });
    const result = await engine.run(
      define({
        steps: [{ id: 'outer', kind: 'workflow', workflow: 'shouter', input: { text: '{{ input.word }}' } }],
      }),
      { input: { word: 'hey' } },
    );
    expect(result.output).toEqual({ outer: 'HEY!' });
    expect(ofType('step-end').map((event) => event.path)).toEqual(['outer/shout', 'outer']);
  });

  it('names the registered workflows when one is missing', async () => {
    const { engine } = setup();
    const result = await engine.run(define({ steps: [{ id: 'call', kind: 'workflow', workflow: 'ghost' }] }));
    expect(result.error).toMatchObject({ code: 'WORKFLOW_NOT_FOUND', stepPath: 'call' });
  });
});
