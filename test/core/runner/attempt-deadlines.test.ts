import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Clock, systemClock } from '../../../src/core/index.js';
import { deferred, define, setup } from '../fixtures.js';

/** The system clock, counting the waits that have neither ended nor been called off. */
function countingClock() {
  let pending = 0;
  const clock: Clock = {
    now: systemClock.now,
    sleep: (ms, signal, options) => {
      pending++;
      return systemClock.sleep(ms, signal, options).finally(() => pending--);
    },
  };
  return { clock, pending: () => pending };
}

describe('step timeout', () => {
  it("aborts the step's signal with STEP_TIMEOUT and retries it as a transient failure", async () => {
    const reasons: unknown[] = [];
    let attempts = 0;
    const tools = {
      slow: {
        inputSchema: z.object({}),
        execute: (_input: unknown, context: { abortSignal: AbortSignal }) => {
          if (++attempts > 1) return 'done';
          context.abortSignal.addEventListener('abort', () => reasons.push(context.abortSignal.reason));
          return new Promise(() => {});
        },
      },
    };
    const { engine, store } = setup({ tools });
    const result = await engine.run(
      define({
        steps: [
          {
            id: 'slow',
            kind: 'tool',
            tool: 'slow',
            timeout: '20ms',
            retry: { maxAttempts: 2, initialDelayMs: 1 },
          },
        ],
      }),
    );
    expect(result.output).toEqual({ slow: 'done' });
    expect(reasons).toMatchObject([{ code: 'STEP_TIMEOUT', stepPath: 'slow', retryable: true }]);
    expect(await store.listAttempts(result.runId)).toMatchObject([
      {
        attempt: 1,
        status: 'failed',
        error: {
          code: 'STEP_TIMEOUT',
          retryable: true,
          message: 'Step "slow" took longer than its timeout of 20 ms.',
          hint: 'Raise `timeout` on the step, or make it faster.',
        },
      },
      { attempt: 2, status: 'succeeded' },
    ]);
  });

  it("still aborts the step's signal when the run is cancelled", async () => {
    const reached = deferred();
    let reason: unknown;
    const tools = {
      wait: {
        inputSchema: z.object({}),
        execute: (_input: unknown, context: { abortSignal: AbortSignal }) =>
          new Promise((resolve) => {
            reached.resolve();
            context.abortSignal.addEventListener('abort', () => {
              reason = context.abortSignal.reason;
              resolve('stopped');
            });
          }),
      },
    };
    const { engine } = setup({ tools });
    const controller = new AbortController();
    const running = engine.run(
      define({ steps: [{ id: 'wait', kind: 'tool', tool: 'wait', timeout: '1h' }] }),
      {
        signal: controller.signal,
      },
    );
    await reached.promise;
    controller.abort(new Error('stop'));
    await running;
    expect(reason).toMatchObject({ message: 'stop' });
  });

  it('leaves no wait behind once a step with a timeout has ended', async () => {
    const { clock, pending } = countingClock();
    const { engine } = setup({ clock });
    const result = await engine.run(
      define({ steps: [{ id: 'quick', kind: 'transform', value: '1', timeout: '1h' }] }),
    );
    expect(result.status).toBe('succeeded');
    await new Promise((resolve) => setImmediate(resolve));
    expect(pending()).toBe(0);
  });
});

describe('cancel grace', () => {
  it('leaves no wait behind once a cancelled step has settled within its grace', async () => {
    const { clock, pending } = countingClock();
    const reached = deferred();
    const tools = {
      wait: {
        inputSchema: z.object({}),
        execute: (_input: unknown, context: { abortSignal: AbortSignal }) =>
          new Promise((resolve) => {
            reached.resolve();
            context.abortSignal.addEventListener('abort', () => resolve('stopped'));
          }),
      },
    };
    const { engine, store } = setup({ clock, tools, cancelGraceMs: 3_600_000 });
    const controller = new AbortController();
    const running = engine.run(define({ steps: [{ id: 'wait', kind: 'tool', tool: 'wait' }] }), {
      signal: controller.signal,
    });
    await reached.promise;
    controller.abort();
    const result = await running;
    // What the step returned within its grace is journaled.
    expect(await store.listSteps(result.runId)).toMatchObject([
      { path: 'wait', status: 'succeeded', output: 'stopped' },
    ]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(pending()).toBe(0);
  });
});
