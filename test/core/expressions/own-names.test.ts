import { describe, expect, it } from 'vitest';
import { validateWorkflow } from '../../../src/core/index.js';
import { define, setup } from '../fixtures.js';

describe('names resolve to what was registered, keys stay data', () => {
  it('refuses `function: constructor` at validate time', () => {
    const { problems } = validateWorkflow(
      { name: 'probe', steps: [{ id: 'probe', kind: 'transform', value: { function: 'constructor' } }] },
      {},
    );
    expect(problems).toEqual([
      expect.objectContaining({
        path: ['steps', 0, 'value', 'function'],
        message: expect.stringContaining('Function "constructor" is not registered'),
      }),
    ]);
  });

  it('refuses step ids that name object machinery', () => {
    const { problems } = validateWorkflow({
      name: 'probe',
      steps: [{ id: '__proto__', kind: 'transform', value: '1' }],
    });
    expect(problems.map((problem) => problem.message)).toEqual([expect.stringContaining('reserved')]);
  });

  it('keeps `__proto__`, `constructor` and `prototype` keys of an output mapping as data', async () => {
    const { engine } = setup();
    const result = await engine.run(
      define({
        steps: [{ id: 'a', kind: 'transform', value: '1' }],
        // JSON.parse, as a YAML file is read: a `__proto__` key in a literal would set the prototype here.
        output: JSON.parse(
          '{"__proto__": {"polluted": "{{ steps.a }}"}, "constructor": "c", "prototype": "p"}',
        ),
      }),
    );
    const output = result.output as Record<string, unknown>;
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
    expect(output.polluted).toBeUndefined();
    expect(JSON.parse(JSON.stringify(output))).toEqual({
      ['__proto__']: { polluted: 1 },
      constructor: 'c',
      prototype: 'p',
    });
  });

  it('passes a `__proto__` key of a tool input as data, never as the prototype', async () => {
    let received: unknown;
    const { engine } = setup({
      tools: {
        echo: {
          inputSchema: { type: 'object' },
          execute: async (input: unknown) => {
            received = input;
            return 'ok';
          },
        },
      },
    });
    const result = await engine.run(
      define({
        steps: [
          {
            id: 'call',
            kind: 'tool',
            tool: 'echo',
            input: JSON.parse('{"__proto__": {"isAdmin": true}, "a": 1}'),
          },
        ],
      }),
    );
    expect(result.status).toBe('succeeded');
    expect((received as { isAdmin?: unknown }).isAdmin).toBeUndefined();
    expect(Object.getPrototypeOf(received)).toBe(Object.prototype);
  });
});
