import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Step } from '../../../src/core/index.js';
import { define, setup } from '../fixtures.js';

// A tool that ends only through its abort signal. A signal that is already aborted never fires
// `abort` again, so such a tool hangs unless the engine itself stops waiting for it.
const tools = {
  slow: {
    inputSchema: z.object({}).passthrough(),
    execute: (_input: unknown, context: { abortSignal: AbortSignal }) =>
      new Promise((_resolve, reject) => {
        context.abortSignal.addEventListener('abort', () => reject(context.abortSignal.reason));
      }),
  },
};

describe('a run cancelled as it starts', () => {
  it.each([0, 1, 2, 3])('ends as cancelled when cancelled %i ticks after it started', async (ticks) => {
    const { engine } = setup({ tools });
    const controller = new AbortController();
    const steps: Step[] = [{ id: 'slow', kind: 'tool', tool: 'slow' }];
    const running = engine.run(define({ steps }), { signal: controller.signal });
    for (let tick = 0; tick < ticks; tick++) await Promise.resolve();
    controller.abort(new Error('stop'));
    const result = await running;
    expect(result.status).toBe('cancelled');
  });

  it('ends as cancelled when its signal was aborted before it started, inside a map too', async () => {
    const { engine } = setup({ tools });
    const steps: Step[] = [
      { id: 'each', kind: 'map', items: '[1, 2]', steps: [{ id: 'slow', kind: 'tool', tool: 'slow' }] },
    ];
    const result = await engine.run(define({ steps }), { signal: AbortSignal.abort(new Error('stop')) });
    expect(result.status).toBe('cancelled');
  });
});
