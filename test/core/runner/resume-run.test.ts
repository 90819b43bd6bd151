import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { workflow } from '../../../src/authoring/builder/workflow-builder.js';
import { resumeRun } from '../../../src/core/runner/resume-run.js';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';
import { createScriptedModel } from '../../../src/testing/index.js';
import { deferred, define, setup } from '../fixtures.js';

describe('resume', () => {
  it('reuses finished steps and runs the interrupted one again with the same idempotency key', async () => {
    const store = new MemoryStore();
    const executed: string[] = [];
    const keys: string[] = [];
    const controller = new AbortController();
    let firstProcess = true;
    const tools = {
      charge: {
        inputSchema: z.object({}),
        execute: (_input: unknown, context: { idempotencyKey: string; abortSignal: AbortSignal }) => {
          keys.push(context.idempotencyKey);
          if (firstProcess) {
            controller.abort();
            return new Promise(() => {});
          }
          return 'charged';
        },
      },
    };
    const definition = define(
      {
        steps: [
          { id: 'a', kind: 'transform', value: { function: 'count' } },
          { id: 'b', kind: 'transform', value: { function: 'count' }, needs: ['a'] },
          { id: 'charge', kind: 'tool', tool: 'charge', needs: ['b'] },
          { id: 'done', kind: 'transform', value: 'steps.b & "/" & steps.charge' },
        ],
      },
      {
        count: ({ steps }: { steps: Record<string, unknown> }) => {
          executed.push(Object.keys(steps).join(','));
          return `after(${Object.keys(steps).join(',')})`;
        },
      },
    );
    // The charge never returns: the cancel waits its grace period, then journals it interrupted.
    const first = setup({ store, tools, cancelGraceMs: 20 });
    const stopped = await first.engine.run(definition, { signal: controller.signal });
    expect(stopped.status).toBe('cancelled');

    firstProcess = false;
    const second = setup({ store, tools });
    const resumed = await second.engine.resume(stopped.runId, { definition });
    expect(resumed.status).toBe('succeeded');
    expect(resumed.output).toMatchObject({ done: 'after(a)/charged' });
    expect(executed).toHaveLength(2);
    expect(keys).toEqual([`${stopped.runId}:charge:0`, `${stopped.runId}:charge:0`]);
    expect(
      second
        .ofType('step-end')
        .filter((event) => event.replayed)
        .map((event) => event.path),
    ).toEqual(['a', 'b']);
    const charge = (await store.listSteps(stopped.runId)).find((step) => step.path === 'charge');
    expect(charge).toMatchObject({ status: 'succeeded', attempt: 2 });
  });

  it('retries a failed step when a failed run is resumed', async () => {
    let fail = true;
    const { engine } = setup();
    const definition = define(
      { steps: [{ id: 'flaky', kind: 'transform', value: { function: 'flaky' } }] },
      {
        flaky: () => {
          if (fail) throw new Error('down');
          return 'up';
        },
      },
    );
    const failed = await engine.run(definition);
    expect(failed.status).toBe('failed');
    fail = false;
    expect((await engine.resume(failed.runId, { definition })).output).toEqual({ flaky: 'up' });
  });

  it('says what to do when the run does not exist', async () => {
    const { engine } = setup();
    await expect(engine.resume('run_missing')).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });
});

describe('replay', () => {
  it('starts a new run from a step, reusing everything upstream, with a changed input', async () => {
    const calls: string[] = [];
    const { engine, store } = setup();
    const definition = define(
      {
        input: { type: 'object', properties: { tone: { type: 'string' } } },
        steps: [
          { id: 'extract', kind: 'transform', value: { function: 'extract' } },
          { id: 'draft', kind: 'transform', value: { function: 'draft' }, needs: ['extract'] },
          { id: 'polish', kind: 'transform', value: 'steps.draft & "!"' },
        ],
      },
      {
        extract: () => {
          calls.push('extract');
          return 'facts';
        },
        draft: ({ steps, input }: { steps: { extract: string }; input: { tone: string } }) => {
          calls.push('draft');
          return `${input.tone} ${steps.extract}`;
        },
      },
    );
    const parent = await engine.run(definition, { input: { tone: 'dry' } });
    const child = await engine.replay(parent.runId, { from: 'draft', input: { tone: 'warm' }, definition });
    expect(child.output).toEqual({ extract: 'facts', draft: 'warm facts', polish: 'warm facts!' });
    expect(calls).toEqual(['extract', 'draft', 'draft']);
    expect((await store.getRun(child.runId))?.parentRunId).toBe(parent.runId);
  });

  it('reuses a step the parent skipped, without deciding its condition again', async () => {
    let decided = 0;
    const { engine, store } = setup();
    const definition = define(
      {
        steps: [
          { id: 'gate', kind: 'transform', value: '1', when: '$call("decide")' },
          { id: 'draft', kind: 'transform', value: '"text"' },
        ],
      },
      {
        decide: () => {
          decided++;
          return false;
        },
      },
    );
    const parent = await engine.run(definition);
    const child = await engine.replay(parent.runId, { from: 'draft', definition });
    expect(child.output).toEqual({ draft: 'text' });
    expect(decided).toBe(1);
    const steps = await store.listSteps(child.runId);
    expect(steps.map((step) => [step.path, step.status]).sort()).toEqual([
      ['draft', 'succeeded'],
      ['gate', 'skipped'],
    ]);
  });

  it('runs the items of a map it replays from again, and an upstream step that had failed', async () => {
    const calls: string[] = [];
    let fail = true;
    const { engine } = setup();
    const definition = define(
      {
        steps: [
          { id: 'flaky', kind: 'transform', value: { function: 'flaky' } },
          { id: 'items', kind: 'transform', value: '[1, 2]' },
          {
            id: 'each',
            kind: 'map',
            items: 'steps.items',
            steps: [{ id: 'work', kind: 'transform', value: { function: 'work' } }],
          },
        ],
      },
      {
        flaky: () => {
          calls.push('flaky');
          if (fail) throw new Error('down');
          return 'up';
        },
        work: ({ item }: { item: number }) => {
          calls.push(`work ${item}`);
          return item * 2;
        },
      },
    );
    const failed = await engine.run(definition);
    expect(failed.status).toBe('failed');
    fail = false;
    calls.length = 0;
    const fixed = await engine.replay(failed.runId, { from: 'each', definition });
    expect(fixed.output).toEqual({ flaky: 'up', items: [1, 2], each: [2, 4] });
    expect(calls).toContain('flaky');
    // From a run whose items all ran: they run again, the rest is reused.
    calls.length = 0;
    const again = await engine.replay(fixed.runId, { from: 'each', definition });
    expect(again.output).toEqual(fixed.output);
    expect(calls.sort()).toEqual(['work 1', 'work 2']);
  });

  it('names the top-level steps when the replay step does not exist', async () => {
    const { engine } = setup();
    const parent = await engine.run(define({ steps: [{ id: 'a', kind: 'transform', value: '1' }] }));
    await expect(engine.replay(parent.runId, { from: 'zzz' })).rejects.toMatchObject({
      hint: 'Top-level steps: a.',
    });
  });
});

describe('leases', () => {
  it('runs and resumes on a store that keeps no leases', async () => {
    const store = new MemoryStore();
    // A store without claimRun or releaseRun: one process at a time is the caller's concern.
    const leaseless = new Proxy(store, {
      get: (target, property) =>
        property === 'claimRun' || property === 'releaseRun'
          ? undefined
          : (Reflect.get(target, property) as unknown),
    });
    let fail = true;
    const { engine } = setup({ store: leaseless });
    const definition = define(
      { steps: [{ id: 'flaky', kind: 'transform', value: { function: 'flaky' } }] },
      {
        flaky: () => {
          if (fail) throw new Error('down');
          return 'up';
        },
      },
    );
    const failed = await engine.run(definition);
    expect(failed.status).toBe('failed');
    fail = false;
    expect((await engine.resume(failed.runId, { definition })).output).toEqual({ flaky: 'up' });
  });

  it('refuses a second process resuming a run that is still running, and allows a takeover', async () => {
    const store = new MemoryStore();
    const gate = deferred();
    const definition = define(
      { steps: [{ id: 'slow', kind: 'transform', value: { function: 'slow' } }] },
      { slow: () => gate.promise.then(() => 'done') },
    );
    const first = setup({ store, owner: 'first' });
    const running = first.engine.run(definition);
    await vi.waitFor(async () => expect((await store.listRuns()).length).toBe(1));
    const [run] = await store.listRuns();
    const second = setup({ store, owner: 'second', leaseMs: 45_000 });
    await expect(second.engine.resume(run?.id ?? '', { definition })).rejects.toMatchObject({
      code: 'STORE_CONFLICT',
      message: `Run ${run?.id} is being run by another process.`,
      hint: 'Wait for it to finish; if that process has stopped, its lease ends within 45 s, or resume with --takeover.',
    });
    gate.resolve();
    expect((await running).status).toBe('succeeded');
    const stale = setup({ store, owner: 'third' });
    await store.claimRun(run?.id ?? '', 'crashed', Date.now() + 60_000, Date.now());
    await expect(stale.engine.resume(run?.id ?? '', { definition })).rejects.toMatchObject({
      code: 'STORE_CONFLICT',
    });
    expect((await stale.engine.resume(run?.id ?? '', { definition, takeover: true })).status).toBe(
      'succeeded',
    );
  });
});

describe('resume of a TypeScript workflow', () => {
  it('continues with the Zod schemas of the definition given, the journal holding only JSON', async () => {
    /** A store that hands back runs as a journal on disk does: JSON, without the objects it was given. */
    class JsonStore extends MemoryStore {
      override async getRun(runId: string) {
        const run = await super.getRun(runId);
        return run && (JSON.parse(JSON.stringify(run)) as typeof run);
      }
    }
    let value = 0;
    const tools = {
      count: {
        inputSchema: z.object({}),
        execute: () => {
          if (value === 0) throw new Error('not yet');
          return { n: value };
        },
      },
    };
    const definition = workflow('checked')
      .tool('count', {
        tool: 'count',
        input: {},
        output: z.object({ n: z.number() }).refine((out) => out.n < 10, 'below 10'),
      })
      .build();
    const { engine } = setup({ store: new JsonStore(), tools });
    const failed = await engine.run(definition);
    value = 50;
    const resumed = await engine.resume(failed.runId, { definition });
    expect(resumed.error).toMatchObject({
      code: 'OUTPUT_INVALID',
      message: expect.stringContaining('below 10'),
    });
  });

  it('continues with the journaled steps when the definition given has changed', async () => {
    let fail = true;
    const functions = {
      flaky: () => {
        if (fail) throw new Error('down');
        return 'up';
      },
    };
    const version = (text: string) =>
      define(
        {
          steps: [
            { id: 'flaky', kind: 'transform', value: { function: 'flaky' } },
            { id: 'after', kind: 'transform', value: `"${text}"`, needs: ['flaky'] },
          ],
        },
        functions,
      );
    const { engine } = setup();
    const failed = await engine.run(version('one'));
    fail = false;
    const resumed = await engine.resume(failed.runId, { definition: version('two') });
    expect(resumed.output).toEqual({ flaky: 'up', after: 'one' });
  });

  it('says at once that its functions are needed', async () => {
    const { engine } = setup();
    const definition = define(
      { steps: [{ id: 'a', kind: 'transform', value: { function: 'fail' } }] },
      {
        fail: () => {
          throw new Error('no');
        },
      },
    );
    const failed = await engine.run(definition);
    await expect(engine.resume(failed.runId)).rejects.toMatchObject({
      code: 'FUNCTION_NOT_FOUND',
      hint: 'Pass { definition } to resume, or register the workflow as "test" in createBaton({ workflows }).',
    });
  });

  it('names only the functions of the steps still to run', async () => {
    const { engine } = setup();
    const definition = define(
      {
        steps: [
          { id: 'a', kind: 'transform', value: { function: 'first' } },
          { id: 'b', kind: 'transform', value: { function: 'second' }, needs: ['a'] },
        ],
      },
      {
        first: () => 1,
        second: () => {
          throw new Error('no');
        },
      },
    );
    const failed = await engine.run(definition);
    await expect(engine.resume(failed.runId)).rejects.toMatchObject({
      message: `Run ${failed.runId} needs TypeScript functions this engine does not have: "second".`,
    });
    // Refused before a handle exists, and checked again once the lease is held, as the journal
    // may have moved on meanwhile.
    await expect(engine.startResume(failed.runId)).rejects.toMatchObject({ code: 'FUNCTION_NOT_FOUND' });
    await expect(resumeRun(engine.services, failed.runId)).rejects.toMatchObject({
      message: `Run ${failed.runId} needs TypeScript functions this engine does not have: "second".`,
    });
  });
});

describe('cancel', () => {
  it('stops a run of this process at once, and one of another process at its next lease renewal', async () => {
    const store = new MemoryStore();
    const hold = deferred();
    const definition = define({ steps: [{ id: 'wait', kind: 'tool', tool: 'wait' }] }, {});
    const tools = {
      wait: {
        inputSchema: z.object({}),
        execute: (_input: unknown, context: { abortSignal: AbortSignal }) =>
          new Promise((_resolve, reject) => {
            context.abortSignal.addEventListener('abort', () => reject(context.abortSignal.reason));
            void hold.promise;
          }),
      },
    };
    const here = setup({ store, tools });
    const local = here.engine.run(definition);
    await vi.waitFor(async () => expect((await store.listRuns())[0]?.status).toBe('running'));
    const [first] = await store.listRuns();
    expect(await here.engine.cancel(first?.id ?? '')).toBe('stopped');
    expect((await local).status).toBe('cancelled');

    const remote = setup({ store, tools, leaseMs: 60 });
    const running = remote.engine.run(definition);
    await vi.waitFor(async () =>
      expect((await store.listRuns()).filter((run) => run.status === 'running')).toHaveLength(1),
    );
    const [second] = (await store.listRuns()).filter((run) => run.status === 'running');
    const elsewhere = setup({ store, tools });
    expect(await elsewhere.engine.cancel(second?.id ?? '')).toBe('marked');
    expect((await running).status).toBe('cancelled');
    expect(await elsewhere.engine.cancel(second?.id ?? '')).toBe('ended');
  });
});

describe('what a resumed run has spent', () => {
  it('counts the model calls of a model step that failed, and those of its new attempt', async () => {
    const model = createScriptedModel([
      { text: 'bad', usage: { inputTokens: 100, outputTokens: 50 } },
      { text: 'good', usage: { inputTokens: 10, outputTokens: 5 } },
    ]);
    const { engine } = setup({ model });
    const definition = define({
      steps: [{ id: 'ask', kind: 'llm', prompt: 'Say it', validate: 'output = "good"', maxRepairs: 0 }],
    });
    const failed = await engine.run(definition);
    expect(failed.status).toBe('failed');
    const resumed = await engine.resume(failed.runId, { definition });
    expect(resumed.output).toEqual({ ask: 'good' });
    expect(model.calls).toHaveLength(2);
    expect(resumed.usage).toMatchObject({ inputTokens: 110, outputTokens: 55 });
  });
});
