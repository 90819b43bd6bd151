import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { MemoryStore } from '../../../src/store/memory/memory-store.js';
import { deferred, define, setup } from '../fixtures.js';

/** A memory store that records every lease claim: when it was made and until when it holds. */
class ClaimLog extends MemoryStore {
  claims: Array<{ owner: string; until: number; at: number }> = [];
  override claimRun(runId: string, owner: string, until: number, now: number): Promise<number | undefined> {
    this.claims.push({ owner, until, at: Date.now() });
    return super.claimRun(runId, owner, until, now);
  }
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});

afterEach(() => {
  vi.useRealTimers();
});

function heldRun(store: ClaimLog, leaseMs: number) {
  const hold = deferred<string>();
  const tools = {
    wait: {
      inputSchema: z.object({}),
      execute: (_input: unknown, context: { abortSignal: AbortSignal }) =>
        new Promise((resolve, reject) => {
          context.abortSignal.addEventListener('abort', () => reject(context.abortSignal.reason));
          void hold.promise.then(resolve);
        }),
    },
  };
  const { engine } = setup({ store, tools, leaseMs, owner: 'here' });
  const result = engine.run(define({ steps: [{ id: 'wait', kind: 'tool', tool: 'wait' }] }));
  let settled = false;
  void result.then(() => {
    settled = true;
  });
  return { engine, result, hold, isSettled: () => settled };
}

describe('lease renewal', () => {
  it('renews the lease every third of its length, for a full lease each time, and stops when the run ends', async () => {
    const store = new ClaimLog();
    const run = heldRun(store, 300);
    await vi.advanceTimersByTimeAsync(0);
    expect(store.claims).toEqual([{ owner: 'here', until: 1_000_300, at: 1_000_000 }]);
    await vi.advanceTimersByTimeAsync(99);
    expect(store.claims).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(store.claims.at(-1)).toEqual({ owner: 'here', until: 1_000_400, at: 1_000_100 });
    await vi.advanceTimersByTimeAsync(200);
    expect(store.claims.map((claim) => claim.at)).toEqual([1_000_000, 1_000_100, 1_000_200, 1_000_300]);
    // Renewals of a healthy run leave it running to the end.
    expect(run.isSettled()).toBe(false);
    run.hold.resolve('done');
    const result = await run.result;
    expect(result.status).toBe('succeeded');
    const count = store.claims.length;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(store.claims).toHaveLength(count);
    // The lease was let go: another owner may claim the run at once.
    expect(await store.claimRun(result.runId, 'elsewhere', Date.now() + 300, Date.now())).toBe(2);
  });

  it('stops a run another process cancelled by the next renewal, not before it is cancelled', async () => {
    const store = new ClaimLog();
    const run = heldRun(store, 300);
    await vi.advanceTimersByTimeAsync(250);
    expect(run.isSettled()).toBe(false);
    const [record] = await store.listRuns();
    const elsewhere = setup({ store, owner: 'elsewhere' });
    expect(await elsewhere.engine.cancel(record?.id ?? '')).toBe('marked');
    await vi.advanceTimersByTimeAsync(100);
    expect(run.isSettled()).toBe(true);
    const result = await run.result;
    expect(result.status).toBe('cancelled');
    expect(result.error).toMatchObject({ code: 'RUN_CANCELLED' });
    expect(result.error?.message).toContain('cancelled by another process');
  });

  it('starts the steps after a renewal without claiming again while the renewed lease holds', async () => {
    const store = new ClaimLog();
    const hold = deferred<string>();
    const tools = { wait: { inputSchema: z.object({}), execute: () => hold.promise } };
    const { engine } = setup({ store, tools, leaseMs: 300, owner: 'here' });
    const result = engine.run(
      define({
        steps: [
          { id: 'wait', kind: 'tool', tool: 'wait' },
          { id: 'a', kind: 'transform', value: '1', needs: ['wait'] },
          { id: 'b', kind: 'transform', value: '2', needs: ['a'] },
          { id: 'c', kind: 'transform', value: '3', needs: ['b'] },
        ],
      }),
    );
    await vi.advanceTimersByTimeAsync(100);
    expect(store.claims.map((claim) => claim.at)).toEqual([1_000_000, 1_000_100]);
    hold.resolve('done');
    expect((await result).status).toBe('succeeded');
    expect(store.claims).toHaveLength(2);
  });

  it('renews before it starts a step once its lease has run out, though no beat came', async () => {
    const store = new ClaimLog();
    const hold = deferred<string>();
    const tools = { wait: { inputSchema: z.object({}), execute: () => hold.promise } };
    const { engine } = setup({ store, tools, leaseMs: 300, owner: 'here' });
    const result = engine.run(
      define({
        steps: [
          { id: 'wait', kind: 'tool', tool: 'wait' },
          { id: 'next', kind: 'transform', value: '1', needs: ['wait'] },
        ],
      }),
    );
    await vi.advanceTimersByTimeAsync(0);
    // The process stalls to the very end of its lease: the clock moves, no timer fires.
    vi.setSystemTime(1_000_300);
    hold.resolve('done');
    expect((await result).status).toBe('succeeded');
    expect(store.claims.map((claim) => claim.at)).toEqual([1_000_000, 1_000_300]);
  });
});
