import { describe, expect, it } from 'vitest';
import { define, setup } from '../fixtures.js';

describe('transform step', () => {
  it('evaluates a JSONata expression over input and step outputs', async () => {
    const { engine } = setup();
    const result = await engine.run(
      define({
        steps: [
          { id: 'orders', kind: 'transform', value: '[{"total": 5}, {"total": 7}]' },
          { id: 'sum', kind: 'transform', value: '$sum(steps.orders.total)' },
        ],
      }),
    );
    expect(result.output).toMatchObject({ sum: 12 });
  });

  it('calls a registered TypeScript function with the scope', async () => {
    const { engine } = setup();
    const result = await engine.run(
      define(
        { steps: [{ id: 'greet', kind: 'transform', value: { function: 'greet' } }] },
        { greet: ({ input }: { input: { name: string } }) => `hello ${input.name}` },
      ),
      { input: { name: 'Ada' } },
    );
    expect(result.output).toEqual({ greet: 'hello Ada' });
  });

  it('fails with EXPRESSION_FAILED naming the expression and the step', async () => {
    const { engine } = setup();
    const result = await engine.run(
      define({ steps: [{ id: 'bad', kind: 'transform', value: '$number("x")' }] }),
    );
    expect(result.error).toMatchObject({
      code: 'EXPRESSION_FAILED',
      stepPath: 'bad',
      details: { expression: '$number("x")' },
    });
  });
});
