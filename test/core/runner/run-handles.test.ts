import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { JournaledEvent, Step, StreamEvent } from '../../../src/core/index.js';
import { deferred, define, setup } from '../fixtures.js';

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const seen: StreamEvent[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

const approval: Step = { id: 'review', kind: 'approval', subject: 'go?' };

describe('engine.start', () => {
  it('resolves with the handle while the run is still executing, then yields its events and result', async () => {
    const release = deferred();
    const { engine, store } = setup();
    const definition = define(
      {
        steps: [
          { id: 'held', kind: 'transform', value: { function: 'held' } },
          { id: 'after', kind: 'transform', value: 'steps.held & "!"', needs: ['held'] },
        ],
      },
      { held: () => release.promise.then(() => 'done') },
    );
    const handle = await engine.start(definition);
    expect((await store.getRun(handle.runId))?.status).toBe('running');
    const reading = collect(handle.events);
    release.resolve();
    const result = await handle.result;
    expect(result).toMatchObject({ status: 'succeeded', output: { held: 'done', after: 'done!' } });
    const events = (await reading) as JournaledEvent[];
    expect(events.map((event) => event.type)).toEqual([
      'run-start',
      'step-start',
      'step-end',
      'step-start',
      'step-end',
      'run-end',
    ]);
    expect(events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await store.readEvents(handle.runId)).toEqual(events);
    // Read again after the end: the same events, from the journal.
    expect(await collect(handle.events)).toEqual(events);
  });

  it('refuses a bad input before anything is journaled', async () => {
    const { engine, store } = setup();
    const definition = define({
      input: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
      steps: [{ id: 'a', kind: 'transform', value: 'input.n' }],
    });
    await expect(engine.start(definition, { input: { n: 'three' } })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
    });
    await expect(engine.start(define({ steps: [{ id: 'a', kind: 'nope' } as never] }))).rejects.toMatchObject(
      {
        code: 'WORKFLOW_INVALID',
      },
    );
    expect(await store.listRuns()).toEqual([]);
  });

  it('cancels through the handle', async () => {
    const { engine } = setup();
    const handle = await engine.start(
      define(
        { steps: [{ id: 'slow', kind: 'transform', value: { function: 'slow' } }] },
        {
          slow: (_scope: unknown, context: { signal: AbortSignal }) =>
            new Promise((_resolve, reject) =>
              context.signal.addEventListener('abort', () => reject(context.signal.reason)),
            ),
        },
      ),
    );
    await expect(handle.cancel()).resolves.toBe('stopped');
    expect((await handle.result).status).toBe('cancelled');
    const events = await collect(handle.events);
    expect(events.at(-1)).toMatchObject({ type: 'run-end', status: 'cancelled' });
  });
});

describe('decisions and resumes through handles', () => {
  it('numbers events without a gap across executions, each handle yielding its own', async () => {
    const { engine, store } = setup();
    const definition = define({
      steps: [approval, { id: 'done', kind: 'transform', value: '"ok"', needs: ['review'] }],
    });
    const first = await engine.start(definition);
    const firstEvents = (await collect(first.events)) as JournaledEvent[];
    expect(firstEvents.at(-1)).toMatchObject({ type: 'run-end', status: 'waiting' });
    const second = await engine.startApprove(first.runId, 'review', { by: 'ana' });
    const secondEvents = (await collect(second.events)) as JournaledEvent[];
    expect(await second.result).toMatchObject({ status: 'succeeded', output: { done: 'ok' } });
    expect(secondEvents[0]).toMatchObject({ type: 'run-start', resumed: true, seq: firstEvents.length + 1 });
    expect(secondEvents.at(-1)).toMatchObject({ type: 'run-end', status: 'succeeded' });
    const all = await store.readEvents(first.runId);
    expect(all).toEqual([...firstEvents, ...secondEvents]);
    expect(all.map((event) => event.seq)).toEqual(all.map((_, index) => index + 1));
  });

  it("ends a handle's events at its own run-end, read while the next execution is under way", async () => {
    const gate = deferred<string>();
    const tools = { hold: { inputSchema: z.object({}), execute: () => gate.promise } };
    const { engine, store } = setup({ tools });
    const definition = define({
      steps: [approval, { id: 'held', kind: 'tool', tool: 'hold', needs: ['review'] }],
    });
    const first = await engine.start(definition);
    expect((await first.result).status).toBe('waiting');
    const second = await engine.startApprove(first.runId, 'review', { by: 'ana' });
    // The second execution holds at its tool; the first handle's events are read only now.
    while (!(await store.listSteps(first.runId)).some((step) => step.path === 'held'))
      await new Promise((resolve) => setTimeout(resolve, 5));
    const firstEvents = (await collect(first.events)) as JournaledEvent[];
    expect(firstEvents[0]).toMatchObject({ type: 'run-start', resumed: false });
    expect(firstEvents.at(-1)).toMatchObject({ type: 'run-end', status: 'waiting' });
    expect(firstEvents.filter((event) => event.type === 'run-start')).toHaveLength(1);
    gate.resolve('done');
    expect((await second.result).status).toBe('succeeded');
    // Read again from the journal once both have ended: still the first execution's alone.
    expect(await collect(first.events)).toEqual(firstEvents);
  });

  it('refuses a decision already made before the handle resolves, and an unknown run at once', async () => {
    const { engine, store } = setup();
    const definition = define({ steps: [approval] });
    const waiting = await engine.run(definition);
    await engine.approve(waiting.runId, 'review');
    const before = await store.lastEventSeq(waiting.runId);
    await expect(engine.startReject(waiting.runId, 'review', { reason: 'late' })).rejects.toMatchObject({
      code: 'APPROVAL_NOT_PENDING',
    });
    expect(await store.lastEventSeq(waiting.runId)).toBe(before);
    await expect(engine.startResume('run_missing')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });

  it('refuses an edit its schema rejects before the handle resolves', async () => {
    const { engine, store } = setup();
    const typed: Step = {
      ...approval,
      output: { type: 'object', properties: { amount: { type: 'number' } }, required: ['amount'] },
    } as Step;
    const waiting = await engine.run(define({ steps: [typed] }));
    const before = await store.lastEventSeq(waiting.runId);
    await expect(
      engine.startApprove(waiting.runId, 'review', { edit: { amount: 'lots' } }),
    ).rejects.toMatchObject({ code: 'OUTPUT_INVALID' });
    expect(await store.lastEventSeq(waiting.runId)).toBe(before);
  });

  it('replays through a handle under the new run id', async () => {
    const { engine, store } = setup();
    const definition = define({
      steps: [
        { id: 'a', kind: 'transform', value: '1' },
        { id: 'b', kind: 'transform', value: 'steps.a + 1', needs: ['a'] },
      ],
    });
    const original = await engine.run(definition);
    const handle = await engine.startReplay(original.runId, { from: 'b' });
    expect(handle.runId).not.toBe(original.runId);
    const events = (await collect(handle.events)) as JournaledEvent[];
    expect(events.every((event) => event.runId === handle.runId)).toBe(true);
    expect(events[0]).toMatchObject({ type: 'run-start', seq: 1 });
    expect((await handle.result).status).toBe('succeeded');
    expect((await store.getRun(handle.runId))?.parentRunId).toBe(original.runId);
  });
});

describe('step-end output', () => {
  it('carries an output up to the limit, and a reference to a larger one', async () => {
    const { engine, store } = setup({ eventOutputLimit: 100 });
    const handle = await engine.start(
      define({
        steps: [
          { id: 'small', kind: 'transform', value: '"x"' },
          { id: 'large', kind: 'transform', value: '$pad("", 200, "y")' },
        ],
      }),
    );
    const ends = (await collect(handle.events)).filter((event) => event.type === 'step-end');
    const small = ends.find((event) => event.path === 'small');
    const large = ends.find((event) => event.path === 'large');
    expect(small).toMatchObject({ output: 'x', outputSize: 1 });
    expect(small).not.toHaveProperty('outputRef');
    expect(large).toMatchObject({ outputRef: { path: 'large' }, outputSize: 200 });
    expect(large).not.toHaveProperty('output');
    const steps = await store.listSteps(handle.runId);
    expect(steps.find((step) => step.path === 'large')?.output).toBe('y'.repeat(200));
  });
});
