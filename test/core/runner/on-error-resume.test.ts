import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Step } from '../../../src/core/index.js';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';
import { deferred, define, setup } from '../fixtures.js';

/** A tool that fails and counts its calls. */
function broken() {
  const tool = {
    calls: 0,
    inputSchema: z.object({}).passthrough(),
    execute: () => {
      tool.calls++;
      throw new Error('service down');
    },
  };
  return tool;
}

const approval: Step = { id: 'review', kind: 'approval', subject: 'go?' };

describe('onError continue', () => {
  it('journals the fallback as the output of the failed step, with its error and note', async () => {
    const fetch = broken();
    const { engine, store, ofType } = setup({ tools: { fetch } });
    const steps: Step[] = [
      { id: 'fetch', kind: 'tool', tool: 'fetch', onError: { continue: { items: [] } } },
      { id: 'count', kind: 'transform', value: '$count(steps.fetch.items)' },
    ];
    const result = await engine.run(define({ steps }));
    expect(result).toMatchObject({ status: 'succeeded', output: { fetch: { items: [] }, count: 0 } });
    const record = (await store.listSteps(result.runId)).find((step) => step.path === 'fetch');
    expect(record).toMatchObject({
      status: 'failed',
      note: 'continued',
      output: { items: [] },
      error: { code: 'TOOL_FAILED' },
    });
    expect(record?.outputSize).toBeGreaterThan(0);
    expect(ofType('step-end').find((event) => event.path === 'fetch')).toMatchObject({
      status: 'failed',
      note: 'continued',
    });
  });

  it('replays a continued step on resume with its fallback, without running it again', async () => {
    const fetch = broken();
    const { engine, ofType } = setup({ tools: { fetch } });
    const steps: Step[] = [
      { id: 'fetch', kind: 'tool', tool: 'fetch', onError: { continue: 'cached copy' } },
      { ...approval, needs: ['fetch'] },
      { id: 'use', kind: 'transform', value: '"used " & steps.fetch', needs: ['review'] },
    ];
    const first = await engine.run(define({ steps }));
    expect(first.status).toBe('waiting');
    const done = await engine.approve(first.runId, 'review');
    expect(done).toMatchObject({ status: 'succeeded', output: { use: 'used cached copy' } });
    expect(fetch.calls).toBe(1);
    expect(
      ofType('step-end')
        .filter((event) => event.path === 'fetch')
        .at(-1),
    ).toMatchObject({
      status: 'failed',
      replayed: true,
    });
  });
});

describe('onError route', () => {
  it('replays a routed step on resume: the handler keeps its result and the failed path stays skipped', async () => {
    const fetch = broken();
    const handled: string[] = [];
    const definition = define(
      {
        steps: [
          { id: 'fetch', kind: 'tool', tool: 'fetch', onError: { route: 'fallback' } },
          { id: 'parse', kind: 'transform', value: '"parsed"', needs: ['fetch'] },
          { id: 'fallback', kind: 'transform', value: { function: 'handle' } },
          { ...approval, needs: ['fallback'] },
        ],
      },
      {
        handle: ({ error }: { error?: { message?: string } }) => {
          handled.push(error?.message ?? 'no error');
          return 'handled';
        },
      },
    );
    const { engine, store } = setup({ tools: { fetch } });
    const first = await engine.run(definition);
    expect(first.status).toBe('waiting');
    const done = await engine.approve(first.runId, 'review', {}, { definition });
    expect(done.status).toBe('succeeded');
    expect(done.output).toMatchObject({ fallback: 'handled', review: 'go?' });
    expect(done.output).not.toHaveProperty('fetch');
    expect(fetch.calls).toBe(1);
    expect(handled).toHaveLength(1);
    expect(handled[0]).toContain('service down');
    const records = await store.listSteps(first.runId);
    expect(records.find((step) => step.path === 'fetch')).toMatchObject({
      status: 'failed',
      note: 'routed to fallback',
    });
    expect(records.find((step) => step.path === 'parse')).toMatchObject({ status: 'skipped' });
  });
});

describe('onError and cancellation', () => {
  it.each([
    ['continued', { continue: 'fallback' }],
    ['routed', { route: 'handler' }],
  ] as const)('does not let a cancelled step be %s', async (_, onError) => {
    const store = new MemoryStore();
    const started = deferred();
    const tools = {
      slow: {
        inputSchema: z.object({}).passthrough(),
        execute: (_input: unknown, context: { abortSignal: AbortSignal }) =>
          new Promise((_resolve, reject) => {
            started.resolve();
            context.abortSignal.addEventListener('abort', () => reject(context.abortSignal.reason));
          }),
      },
    };
    const { engine } = setup({ store, tools });
    const controller = new AbortController();
    const steps: Step[] = [{ id: 'slow', kind: 'tool', tool: 'slow', onError }];
    if ('route' in onError) steps.push({ id: 'handler', kind: 'transform', value: '"handled"' });
    const running = engine.run(define({ steps }), { signal: controller.signal });
    await started.promise;
    controller.abort(new Error('stop'));
    const result = await running;
    expect(result.status).toBe('cancelled');
    const records = await store.listSteps(result.runId);
    const record = records.find((step) => step.path === 'slow');
    expect(record?.status).toBe('cancelled');
    expect(record?.note).toBeUndefined();
    expect(records.find((step) => step.path === 'handler')?.status).not.toBe('succeeded');
  });
});

describe('resume and conditions', () => {
  it('keeps a step the first process skipped skipped, even when its condition would now hold', async () => {
    let open = false;
    const definition = define(
      {
        steps: [
          { id: 'extra', kind: 'transform', value: '"ran"', when: '$call("open")' },
          { ...approval },
          { id: 'after', kind: 'transform', value: '"done"', needs: ['review'] },
        ],
      },
      { open: () => open },
    );
    const { engine, store } = setup();
    const first = await engine.run(definition);
    expect(first.status).toBe('waiting');
    open = true;
    const done = await engine.approve(first.runId, 'review', {}, { definition });
    expect(done.status).toBe('succeeded');
    expect(done.output).not.toHaveProperty('extra');
    const extra = (await store.listSteps(first.runId)).find((step) => step.path === 'extra');
    expect(extra).toMatchObject({ status: 'skipped', note: 'condition `$call("open")` is false' });
  });
});
