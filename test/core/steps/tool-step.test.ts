import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ToolContext } from '../../../src/core/index.js';
import { define, setup } from '../fixtures.js';

describe('tool step', () => {
  it('calls the tool with arguments rendered from the scope and an idempotency key', async () => {
    const seen: Array<{ input: unknown; context: ToolContext }> = [];
    const { engine, ofType } = setup({
      tools: {
        fetch_order: {
          inputSchema: z.object({ orderId: z.string(), quantity: z.number() }),
          execute: (input, context) => {
            seen.push({ input, context });
            return { status: 'shipped' };
          },
        },
      },
    });
    const result = await engine.run(
      define({
        steps: [
          {
            id: 'order',
            kind: 'tool',
            tool: 'fetch_order',
            input: { orderId: 'A-{{ input.n }}', quantity: '{{ input.n }}' },
          },
        ],
      }),
      { input: { n: 7 } },
    );
    expect(result.output).toEqual({ order: { status: 'shipped' } });
    expect(seen[0]?.input).toEqual({ orderId: 'A-7', quantity: 7 });
    expect(seen[0]?.context.idempotencyKey).toBe(`${result.runId}:order:0`);
    expect(ofType('tool-call')).toMatchObject([
      { tool: 'fetch_order', input: { orderId: 'A-7', quantity: 7 } },
    ]);
    expect(ofType('tool-result')).toMatchObject([{ tool: 'fetch_order', output: { status: 'shipped' } }]);
  });

  it('refuses arguments that do not match the tool schema, naming the field', async () => {
    const { engine } = setup({
      tools: { fetch_order: { inputSchema: z.object({ orderId: z.string() }), execute: () => 'never' } },
    });
    const result = await engine.run(
      define({ steps: [{ id: 'order', kind: 'tool', tool: 'fetch_order', input: { orderId: 5 } }] }),
    );
    expect(result.error).toMatchObject({ code: 'INPUT_INVALID', stepPath: 'order' });
    expect(result.error?.message).toContain('orderId');
  });

  it('lists the registered tools when one is missing', async () => {
    const { engine } = setup({ tools: { a: { inputSchema: {}, execute: () => 1 } } });
    const result = await engine.run(define({ steps: [{ id: 'x', kind: 'tool', tool: 'b' }] }));
    expect(result.error).toMatchObject({ code: 'TOOL_NOT_FOUND', hint: 'Registered tools: a.' });
  });

  it('marks a failure retryable only when the tool says so', async () => {
    let calls = 0;
    const { engine } = setup({
      tools: {
        flaky: {
          inputSchema: {},
          execute: () => {
            calls++;
            if (calls === 1) throw Object.assign(new Error('busy'), { retryable: true });
            if (calls === 2) throw new Error('broken');
            return 'never';
          },
        },
      },
    });
    const result = await engine.run(
      define({
        steps: [{ id: 'x', kind: 'tool', tool: 'flaky', retry: { maxAttempts: 5, initialDelayMs: 0 } }],
      }),
    );
    expect(calls).toBe(2);
    expect(result.error).toMatchObject({ code: 'TOOL_FAILED', retryable: false, details: { attempts: 2 } });
  });
});
