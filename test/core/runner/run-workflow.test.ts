import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BatonError } from '../../../src/core/index.js';
import { deferred, define, setup } from '../fixtures.js';

describe('runWorkflow', () => {
  it('feeds each step the outputs of the steps it reads', async () => {
    const { engine } = setup();
    const result = await engine.run(
      define({
        input: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
        steps: [
          { id: 'double', kind: 'transform', value: 'input.n * 2' },
          { id: 'plus', kind: 'transform', value: 'steps.double + 1' },
        ],
        output: { answer: '{{ steps.plus }}', text: 'n={{ input.n }}' },
      }),
      { input: { n: 4 } },
    );
    expect(result).toMatchObject({ status: 'succeeded', output: { answer: 9, text: 'n=4' } });
  });

  it('starts a step the moment its own dependencies end, not when its level ends', async () => {
    const slow = deferred();
    const { engine, events } = setup();
    const run = engine.run(
      define(
        {
          steps: [
            { id: 'fast', kind: 'transform', value: '1' },
            { id: 'slow', kind: 'transform', value: { function: 'slow' } },
            { id: 'afterFast', kind: 'transform', value: 'steps.fast + 1' },
            { id: 'join', kind: 'transform', value: 'steps.afterFast + steps.slow' },
          ],
        },
        { slow: () => slow.promise.then(() => 10) },
      ),
    );
    await new Promise((resolve) => setImmediate(resolve));
    const ended = events
      .filter((event) => event.type === 'step-end')
      .map((event) => (event as { path: string }).path);
    expect(ended).toEqual(['fast', 'afterFast']);
    slow.resolve();
    expect((await run).output).toMatchObject({ join: 12 });
  });

  it('rejects input that does not match the input schema, naming the field', async () => {
    const { engine } = setup();
    const definition = define({
      input: { type: 'object', properties: { question: { type: 'string' } }, required: ['question'] },
      steps: [{ id: 'a', kind: 'transform', value: 'input.question' }],
    });
    await expect(engine.run(definition, { input: {} })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      details: { issues: [{ path: 'question' }] },
    });
  });

  it('skips a step whose condition is false, and its dependents', async () => {
    const { engine, ofType } = setup();
    const result = await engine.run(
      define({
        steps: [
          { id: 'a', kind: 'transform', value: '1', when: '1 > 2' },
          { id: 'b', kind: 'transform', value: 'steps.a' },
          { id: 'c', kind: 'transform', value: '3' },
        ],
      }),
    );
    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual({ c: 3 });
    expect(ofType('step-skip').map((event) => [event.path, event.reason])).toEqual([
      ['a', 'condition `1 > 2` is false'],
      ['b', 'dependency "a" was skipped'],
    ]);
  });

  it('runs a step that opts in with join any when one dependency was skipped', async () => {
    const { engine } = setup();
    const result = await engine.run(
      define({
        steps: [
          { id: 'a', kind: 'transform', value: '"a"', when: 'false' },
          { id: 'b', kind: 'transform', value: '"b"' },
          {
            id: 'join',
            kind: 'transform',
            value: 'steps.a ? steps.a : steps.b',
            needs: ['a', 'b'],
            join: 'any',
          },
        ],
      }),
    );
    expect(result.output).toMatchObject({ join: 'b' });
  });

  it('reports the failing step, its attempts, the error and its input', async () => {
    const { engine, store } = setup();
    const result = await engine.run(
      define(
        {
          steps: [
            { id: 'a', kind: 'transform', value: '{"order": 42}' },
            { id: 'b', kind: 'tool', tool: 'lookup', input: { order: '{{ steps.a.order }}' } },
          ],
        },
        {},
      ),
    );
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({
      code: 'TOOL_NOT_FOUND',
      stepPath: 'b',
      details: { attempts: 1, input: { order: 42 } },
    });
    const steps = await store.listSteps(result.runId);
    expect(steps.find((step) => step.path === 'b')).toMatchObject({ status: 'failed', attempt: 1 });
    expect((await store.getRun(result.runId))?.status).toBe('failed');
  });

  it('continues past a failure with the fallback value of onError', async () => {
    const { engine, ofType } = setup();
    const result = await engine.run(
      define(
        {
          steps: [
            { id: 'a', kind: 'transform', value: { function: 'boom' }, onError: { continue: 'n/a' } },
            { id: 'b', kind: 'transform', value: '"got " & steps.a' },
          ],
        },
        {
          boom: () => {
            throw new Error('boom');
          },
        },
      ),
    );
    expect(result.output).toEqual({ a: 'n/a', b: 'got n/a' });
    expect(ofType('step-end').find((event) => event.path === 'a')).toMatchObject({
      status: 'failed',
      note: 'continued',
    });
  });

  it('routes a failure to a handler step that sees the error, and skips the dependents', async () => {
    const { engine } = setup();
    const result = await engine.run(
      define(
        {
          steps: [
            { id: 'charge', kind: 'transform', value: { function: 'boom' }, onError: { route: 'apologise' } },
            { id: 'receipt', kind: 'transform', value: '"receipt for " & steps.charge' },
            { id: 'apologise', kind: 'transform', value: '"sorry: " & error.message' },
          ],
        },
        {
          boom: () => {
            throw new Error('card declined');
          },
        },
      ),
    );
    expect(result.status).toBe('succeeded');
    expect(result.output).toEqual({ apologise: 'sorry: Step "charge" failed: card declined' });
  });

  it('skips a route handler when nothing failed', async () => {
    const { engine } = setup();
    const result = await engine.run(
      define({
        steps: [
          { id: 'charge', kind: 'transform', value: '1', onError: { route: 'apologise' } },
          { id: 'apologise', kind: 'transform', value: '"sorry"' },
        ],
      }),
    );
    expect(result.output).toEqual({ charge: 1 });
  });

  it('cancels the running siblings of a failed step and does not start new steps', async () => {
    let sawAbort = false;
    const { engine, store, ofType } = setup({
      tools: {
        hang: {
          inputSchema: z.object({}),
          execute: (_input, context) =>
            new Promise((_resolve, reject) =>
              context.abortSignal.addEventListener('abort', () => {
                sawAbort = true;
                reject(context.abortSignal.reason);
              }),
            ),
        },
      },
    });
    const result = await engine.run(
      define(
        {
          steps: [
            { id: 'hang', kind: 'tool', tool: 'hang' },
            { id: 'fail', kind: 'transform', value: { function: 'fail' } },
            { id: 'later', kind: 'transform', value: 'steps.fail' },
          ],
        },
        {
          fail: () => {
            throw new BatonError('STEP_FAILED', 'no');
          },
        },
      ),
    );
    expect(result).toMatchObject({ status: 'failed', error: { stepPath: 'fail', message: 'no' } });
    expect(sawAbort).toBe(true);
    const steps = await store.listSteps(result.runId);
    expect(steps.find((step) => step.path === 'hang')?.status).toBe('cancelled');
    expect(ofType('step-start').map((event) => event.path)).not.toContain('later');
  });

  it('cancels a run through its AbortSignal and records it as cancelled', async () => {
    const controller = new AbortController();
    const { engine, store } = setup({
      tools: {
        wait: {
          inputSchema: z.object({}),
          execute: () => {
            controller.abort();
            return new Promise(() => {});
          },
        },
      },
    });
    const result = await engine.run(define({ steps: [{ id: 'wait', kind: 'tool', tool: 'wait' }] }), {
      signal: controller.signal,
    });
    expect(result.status).toBe('cancelled');
    expect(result.error?.code).toBe('RUN_CANCELLED');
    expect((await store.getRun(result.runId))?.status).toBe('cancelled');
  });

  it('fails a step that outlives its timeout with STEP_TIMEOUT', async () => {
    const { engine } = setup({
      tools: { slow: { inputSchema: z.object({}), execute: () => new Promise(() => {}) } },
    });
    const result = await engine.run(
      define({ steps: [{ id: 'slow', kind: 'tool', tool: 'slow', timeout: '20ms' }] }),
    );
    expect(result.error).toMatchObject({ code: 'STEP_TIMEOUT', stepPath: 'slow' });
  });

  it('checks a step output against its schema and keeps the value', async () => {
    const { engine } = setup();
    const result = await engine.run(
      define({
        steps: [
          {
            id: 'a',
            kind: 'transform',
            value: '{"total": "ten"}',
            output: { type: 'object', properties: { total: { type: 'number' } }, required: ['total'] },
          },
        ],
      }),
    );
    expect(result.error).toMatchObject({
      code: 'OUTPUT_INVALID',
      stepPath: 'a',
      details: { value: { total: 'ten' }, issues: [{ path: 'total' }] },
    });
  });

  it('records usage, duration and output size of each step', async () => {
    // A clock that moves only when the step says so: the step takes exactly 250 ms.
    let time = 1_000;
    const clock = { now: () => time, sleep: () => new Promise<void>(() => undefined) };
    const { engine, ofType } = setup({ clock });
    const result = await engine.run(
      define(
        { steps: [{ id: 'a', kind: 'transform', value: { function: 'work' } }] },
        {
          work: () => {
            time += 250;
            return 'hello';
          },
        },
      ),
    );
    const [end] = ofType('step-end');
    expect(end).toMatchObject({ path: 'a', status: 'succeeded', outputSize: 5, attempt: 1 });
    expect(end?.durationMs).toBe(250);
    expect(result.durationMs).toBe(250);
  });
});
