import { describe, expect, it } from 'vitest';
import { validateOutput } from '../../../src/core/runner/validate-output.js';

/** The messages of a `validate` function that gives `verdict`, or of an expression. */
const verdictOf = (verdict: unknown) =>
  validateOutput({ function: 'check' }, 'out', {}, { stepPath: 's', functions: { check: () => verdict } });
const expressionOf = (expression: string) =>
  validateOutput(expression, { n: 3 }, { limit: 5 }, { stepPath: 's', functions: {} });

describe('validateOutput', () => {
  it('passes an output on true, nothing from a function, an empty message or an empty list', async () => {
    for (const verdict of [true, undefined, '', []]) expect(await verdictOf(verdict)).toEqual([]);
    expect(await expressionOf('output.n < limit')).toEqual([]);
  });

  it('fails an output on false, a message, or a list of messages (empty ones dropped)', async () => {
    expect(await verdictOf(false)).toEqual(['the output did not pass `validate`']);
    expect(await verdictOf('too long')).toEqual(['too long']);
    expect(await verdictOf(['a', '', 2])).toEqual(['a', '2']);
  });

  it('fails an output on anything else, naming what it gave', async () => {
    expect(await verdictOf({ ok: 1 })).toEqual(['`validate` gave {"ok":1}; it must give true or a message']);
    expect(await verdictOf(0)).toEqual(['`validate` gave 0; it must give true or a message']);
  });

  it('fails an expression that yields nothing, as it read a wrong name', async () => {
    expect(await expressionOf('output.missing')).toEqual([
      '`validate` gave nothing; check the names it reads',
    ]);
    expect(await expressionOf('output.n > limit')).toEqual(['the output did not pass `validate`']);
  });

  it('gives the function the output beside the scope', async () => {
    let seen: unknown;
    await validateOutput(
      { function: 'check' },
      'out',
      { input: 1 },
      {
        stepPath: 's',
        functions: {
          check: (scope: unknown) => {
            seen = scope;
            return true;
          },
        },
      },
    );
    expect(seen).toEqual({ input: 1, output: 'out' });
  });
});
