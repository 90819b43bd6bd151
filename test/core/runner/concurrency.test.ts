import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BatonError, type Clock, systemClock } from '../../../src/core/index.js';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';
import { SqliteStore } from '../../../src/store/sqlite/index.js';
import { deferred, define, setup } from '../fixtures.js';

const directory = mkdtempSync(join(tmpdir(), 'baton-concurrency-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** A chain s1 → s2 → … of functions that each report themselves and may be held by the test. */
function chain(length: number, onStep: (id: string, owner: string) => Promise<void> | void, owner: string) {
  const ids = Array.from({ length }, (_, index) => `s${index + 1}`);
  const functions = Object.fromEntries(
    ids.map((id) => [
      id,
      async () => {
        await onStep(id, owner);
        return `${id} by ${owner}`;
      },
    ]),
  );
  return define(
    {
      steps: ids.map((id, index) => ({
        id,
        kind: 'transform' as const,
        value: { function: id },
        ...(index > 0 ? { needs: [ids[index - 1] ?? ''] } : {}),
      })),
    },
    functions,
  );
}

describe('fencing', () => {
  it('refuses the late writes of a process whose run was taken over, which then starts nothing', async () => {
    const store = new MemoryStore();
    const executions: string[] = [];
    const held = deferred();
    const reached = deferred();
    const onStep = async (id: string, owner: string) => {
      executions.push(`${id}@${owner}`);
      if (owner === 'a' && id === 's2') {
        reached.resolve();
        await held.promise;
      }
    };
    const a = setup({ store, owner: 'a', leaseMs: 60_000 });
    const first = a.engine.run(chain(4, onStep, 'a'));
    first.catch(() => {});
    await reached.promise;
    const [run] = await store.listRuns();
    const b = setup({ store, owner: 'b', leaseMs: 60_000 });
    const second = await b.engine.resume(run?.id ?? '', {
      definition: chain(4, onStep, 'b'),
      takeover: true,
    });
    expect(second.status).toBe('succeeded');

    held.resolve();
    await expect(first).rejects.toMatchObject({ code: 'LEASE_LOST' });
    expect(executions).toEqual(['s1@a', 's2@a', 's2@b', 's3@b', 's4@b']);
    const steps = await store.listSteps(run?.id ?? '');
    expect(steps.map((step) => step.output)).toEqual(['s1 by a', 's2 by b', 's3 by b', 's4 by b']);
    expect(await store.getRun(run?.id ?? '')).toMatchObject({ status: 'succeeded' });
  });

  it('aborts the running steps of a process at the renewal that finds its lease taken, without waiting for them', async () => {
    const store = new MemoryStore();
    let aborted: unknown;
    const reached = deferred();
    const tools = {
      wait: {
        inputSchema: z.object({}),
        // Ignores the abort: a process that lost the run has nothing to wait for.
        execute: (_input: unknown, context: { abortSignal: AbortSignal }) =>
          new Promise(() => {
            reached.resolve();
            context.abortSignal.addEventListener('abort', () => {
              aborted = context.abortSignal.reason;
            });
          }),
      },
    };
    const a = setup({ store, tools, owner: 'a', leaseMs: 90, cancelGraceMs: 3_600_000 });
    const first = a.engine.run(define({ steps: [{ id: 'wait', kind: 'tool', tool: 'wait' }] }));
    first.catch(() => {});
    await reached.promise;
    const [run] = await store.listRuns();
    // Another owner takes the run and holds it without running anything.
    expect(await store.claimRun(run?.id ?? '', 'b', Date.now() + 60_000, Number.MAX_SAFE_INTEGER)).toBe(2);
    await expect(first).rejects.toMatchObject({
      code: 'LEASE_LOST',
      message: expect.stringContaining('was taken over by another process; this process stopped running it.'),
      hint: 'The process that holds the lease now carries the run on; nothing more is written from here.',
      details: { runId: run?.id, owner: 'a', fence: 1 },
    });
    expect(aborted).toMatchObject({ code: 'LEASE_LOST' });
    expect(await store.getRun(run?.id ?? '')).toMatchObject({ status: 'running' });
  });

  it('fails the events of a handle whose execution lost its lease before its run-end, with that loss', async () => {
    const store = new MemoryStore();
    const reached = deferred();
    const tools = {
      wait: {
        inputSchema: z.object({}),
        execute: (_input: unknown, context: { abortSignal: AbortSignal }) =>
          new Promise((_resolve, reject) => {
            reached.resolve();
            context.abortSignal.addEventListener('abort', () => reject(context.abortSignal.reason));
          }),
      },
    };
    const a = setup({ store, tools, owner: 'a', leaseMs: 90 });
    const handle = await a.engine.start(define({ steps: [{ id: 'wait', kind: 'tool', tool: 'wait' }] }));
    await reached.promise;
    // Events are journaled once per turn of the event loop: the run's start lands before the take-over.
    await expect.poll(async () => (await store.readEvents(handle.runId)).length).toBeGreaterThan(0);
    expect(await store.claimRun(handle.runId, 'b', Date.now() + 60_000, Number.MAX_SAFE_INTEGER)).toBe(2);
    await expect(handle.result).rejects.toMatchObject({ code: 'LEASE_LOST' });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const event of handle.events) seen.push(event.type);
      })(),
    ).rejects.toMatchObject({ code: 'LEASE_LOST' });
    expect(seen[0]).toBe('run-start');
    expect(seen).not.toContain('run-end');
  });

  it('makes a process that stalled past its lease renew before it starts another step', async () => {
    const store = new MemoryStore();
    let offset = 0;
    const clock: Clock = { now: () => Date.now() + offset, sleep: systemClock.sleep };
    const executions: string[] = [];
    const held = deferred();
    const reached = deferred();
    const onStep = async (id: string, owner: string) => {
      executions.push(`${id}@${owner}`);
      if (id === 's1') {
        reached.resolve();
        await held.promise;
      }
    };
    const a = setup({ store, owner: 'a', leaseMs: 60_000, clock });
    const first = a.engine.run(chain(3, onStep, 'a'));
    first.catch(() => {});
    await reached.promise;
    const [run] = await store.listRuns();
    // The process "sleeps" past its lease; meanwhile another claims the run (and has not yet run s2).
    offset = 61_000;
    await store.claimRun(run?.id ?? '', 'b', Date.now() + offset + 60_000, Date.now() + offset);
    held.resolve();
    await expect(first).rejects.toMatchObject({ code: 'LEASE_LOST' });
    expect(executions).toEqual(['s1@a']);
    expect(await store.listSteps(run?.id ?? '')).toMatchObject([{ path: 's1', status: 'running' }]);
  });
});

describe('approvals decided at once', () => {
  const waitingRun = define({
    steps: [{ id: 'review', kind: 'approval', subject: { plan: '"ship"' } }],
  });

  it('accepts exactly one of an approve and a reject from two processes, and names the winner to the loser', async () => {
    const path = join(directory, 'approvals.db');
    const stores = [new SqliteStore(path), new SqliteStore(path)] as const;
    try {
      for (let trial = 0; trial < 8; trial++) {
        const first = setup({ store: stores[0] as unknown as MemoryStore });
        const second = setup({ store: stores[1] as unknown as MemoryStore });
        const { runId } = await first.engine.run(waitingRun);
        const outcomes = await Promise.allSettled([
          first.engine.approve(runId, 'review', { by: 'ana' }),
          second.engine.reject(runId, 'review', { by: 'bo', reason: 'no' }),
        ]);
        const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
        expect(refused).toHaveLength(1);
        const winner = outcomes[0]?.status === 'fulfilled' ? 'ana' : 'bo';
        const error = (refused[0] as PromiseRejectedResult).reason as BatonError;
        expect(error.code).toBe('APPROVAL_NOT_PENDING');
        expect(error.message).toContain(`by ${winner}`);
        const decisions = (await stores[0].listSubCalls(runId, 'review')).filter(
          (call) => call.kind === 'approval-decision',
        );
        expect(decisions).toHaveLength(1);
        expect(decisions[0]?.response).toMatchObject({ by: winner });
      }
    } finally {
      for (const store of stores) await store.close();
    }
  });
});

describe('cancel', () => {
  it('waits for a step in flight, journals what it returned, then ends the run and releases its lease', async () => {
    const store = new MemoryStore();
    const reached = deferred();
    let landed = false;
    const tools = {
      charge: {
        inputSchema: z.object({}),
        // A side effect that cannot be called back once started: it ignores the abort.
        execute: async () => {
          reached.resolve();
          await new Promise((resolve) => setTimeout(resolve, 80));
          landed = true;
          return 'charged';
        },
      },
    };
    const { engine } = setup({ store, tools, owner: 'a' });
    const definition = define({
      steps: [
        { id: 'charge', kind: 'tool', tool: 'charge' },
        { id: 'after', kind: 'transform', value: 'steps.charge', needs: ['charge'] },
      ],
    });
    const running = engine.run(definition);
    await reached.promise;
    const [run] = await store.listRuns();
    expect(await engine.cancel(run?.id ?? '')).toBe('stopped');
    expect(landed).toBe(true);
    expect((await running).status).toBe('cancelled');
    expect(await store.listSteps(run?.id ?? '')).toMatchObject([
      { path: 'charge', status: 'succeeded', output: 'charged' },
    ]);
    expect(await store.getRun(run?.id ?? '')).toMatchObject({ status: 'cancelled' });
    expect(await store.claimRun(run?.id ?? '', 'b', Date.now() + 1000, Date.now())).toBe(2);
  });

  it('journals a step that outlives the grace period as interrupted', async () => {
    const store = new MemoryStore();
    const reached = deferred();
    const tools = {
      hang: {
        inputSchema: z.object({}),
        execute: () => {
          reached.resolve();
          return new Promise(() => {});
        },
      },
    };
    const { engine } = setup({ store, tools, cancelGraceMs: 30 });
    const running = engine.run(define({ steps: [{ id: 'hang', kind: 'tool', tool: 'hang' }] }));
    await reached.promise;
    const [run] = await store.listRuns();
    expect(await engine.cancel(run?.id ?? '')).toBe('stopped');
    expect((await running).status).toBe('cancelled');
    expect(await store.listSteps(run?.id ?? '')).toMatchObject([{ path: 'hang', status: 'cancelled' }]);
    expect(await store.listAttempts(run?.id ?? '')).toMatchObject([
      { path: 'hang', status: 'interrupted', error: { code: 'RUN_CANCELLED' } },
    ]);
  });
  it('aborts the signals of the steps inside map items, and ends the run though they ignore them', async () => {
    const store = new MemoryStore();
    const started = deferred();
    const signals: AbortSignal[] = [];
    const tools = {
      hang: {
        inputSchema: z.object({}),
        execute: (_input: unknown, options: { abortSignal?: AbortSignal }) => {
          if (options.abortSignal) signals.push(options.abortSignal);
          if (signals.length === 2) started.resolve();
          return new Promise(() => {});
        },
      },
    };
    const { engine } = setup({ store, tools, cancelGraceMs: 30 });
    const definition = define(
      {
        steps: [
          {
            id: 'each',
            kind: 'map',
            items: { function: 'items' },
            steps: [{ id: 'hang', kind: 'tool', tool: 'hang' }],
          },
        ],
      },
      { items: () => [1, 2] },
    );
    const running = engine.run(definition);
    await started.promise;
    const [run] = await store.listRuns();
    expect(await engine.cancel(run?.id ?? '')).toBe('stopped');
    expect((await running).status).toBe('cancelled');
    expect(signals.map((signal) => signal.aborted)).toEqual([true, true]);
    expect(signals.map((signal) => BatonError.is(signal.reason, 'RUN_CANCELLED'))).toEqual([true, true]);
  });
});

describe('resume', () => {
  it('closes the attempts a stopped process left running as interrupted, with the time it noticed', async () => {
    const store = new MemoryStore();
    const reached = deferred();
    let hang = true;
    const tools = {
      work: {
        inputSchema: z.object({}),
        execute: () => {
          if (!hang) return 'done';
          reached.resolve();
          return new Promise(() => {});
        },
      },
    };
    const definition = define({
      steps: [
        { id: 'first', kind: 'transform', value: '1' },
        { id: 'work', kind: 'tool', tool: 'work', needs: ['first'] },
      ],
    });
    // The first process never finishes its step: as good as killed.
    void setup({ store, tools, owner: 'a' }).engine.run(definition);
    await reached.promise;
    const [run] = await store.listRuns();
    hang = false;
    const before = Date.now();
    const resumed = await setup({ store, tools, owner: 'b' }).engine.resume(run?.id ?? '', {
      definition,
      takeover: true,
    });
    expect(resumed.status).toBe('succeeded');
    const attempts = await store.listAttempts(run?.id ?? '');
    // The finished step's attempt is left as it was.
    expect(attempts).toMatchObject([
      { path: 'first', attempt: 1, status: 'succeeded' },
      { path: 'work', attempt: 1, status: 'interrupted' },
      { path: 'work', attempt: 2, status: 'succeeded' },
    ]);
    expect(attempts[1]?.endedAt).toBeGreaterThanOrEqual(before);
  });

  it('clears the error of a run that succeeds when resumed', async () => {
    let fail = true;
    const { engine, store } = setup();
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
    expect((await store.getRun(failed.runId))?.error).toMatchObject({ code: 'STEP_FAILED' });
    fail = false;
    expect((await engine.resume(failed.runId, { definition })).status).toBe('succeeded');
    const record = await store.getRun(failed.runId);
    expect(record).toMatchObject({ status: 'succeeded' });
    expect(record).not.toHaveProperty('error');
  });
});

describe('listeners', () => {
  it('cannot fail a step or a run, and each is reported once', async () => {
    const reported: unknown[] = [];
    const { engine, store } = setup({ onListenerError: (error) => reported.push(error) });
    engine.subscribe(() => {
      throw new Error('listener boom');
    });
    const result = await engine.run(define({ steps: [{ id: 'a', kind: 'transform', value: '1 + 1' }] }), {
      onEvent: (event) => {
        if (event.type === 'run-start') throw new Error('start boom');
      },
    });
    expect(result).toMatchObject({ status: 'succeeded', output: { a: 2 } });
    expect((await store.getRun(result.runId))?.status).toBe('succeeded');
    expect(reported.map((error) => (error as Error).message).sort()).toEqual(['listener boom', 'start boom']);
  });
});

describe('time', () => {
  it('times a step out on the engine clock, not the wall clock', async () => {
    let wake: () => void = () => {};
    const clock: Clock = {
      now: () => Date.now(),
      // Waits of an hour (the timeout) end when the test says so; the rest (lease renewals) never.
      sleep: (ms, signal) =>
        new Promise((resolve, reject) => {
          if (ms === 3_600_000) wake = resolve;
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
    };
    const started = deferred();
    const { engine } = setup({ clock });
    const running = engine.run(
      define(
        { steps: [{ id: 'slow', kind: 'transform', value: { function: 'slow' }, timeout: '1h' }] },
        {
          slow: () => {
            started.resolve();
            return new Promise(() => {});
          },
        },
      ),
    );
    await started.promise;
    wake();
    expect(await running).toMatchObject({ status: 'failed', error: { code: 'STEP_TIMEOUT' } });
  });
});

describe('errors through expressions', () => {
  const refused = () => new BatonError('TOOL_FAILED', 'The payment service is busy.', { retryable: true });

  it('keeps a retryable error a function raised inside an expression, as a transform and as a tool input', async () => {
    for (const step of [
      { id: 'pay', kind: 'transform' as const, value: '$call("pay")' },
      { id: 'pay', kind: 'tool' as const, tool: 'echo', input: { amount: '{{ $call("pay") }}' } },
    ]) {
      let calls = 0;
      const { engine } = setup({
        tools: {
          echo: { inputSchema: z.object({ amount: z.number() }), execute: (input: unknown) => input },
        },
      });
      const result = await engine.run(
        define(
          { steps: [{ ...step, retry: { maxAttempts: 2, initialDelayMs: 1 } }] },
          {
            pay: () => {
              calls++;
              throw refused();
            },
          },
        ),
      );
      expect(result.error).toMatchObject({ code: 'TOOL_FAILED', retryable: true, stepPath: 'pay' });
      expect(calls).toBe(2);
    }
  });
});
