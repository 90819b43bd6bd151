import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConcurrencyGate } from '../../../src/core/index.js';
import { define, setup } from '../fixtures.js';

describe('ConcurrencyGate admission', () => {
  it('holds the limit after handing a released slot to a waiter', async () => {
    const gate = new ConcurrencyGate(1);
    gate.acquire();
    const waiter = gate.acquire();
    gate.release();
    await waiter;
    expect(gate.inUse).toBe(1);
    expect(gate.acquire()).toBeInstanceOf(Promise);
  });

  it('admits exactly up to its limit, counting slots granted from the queue', async () => {
    const gate = new ConcurrencyGate(2);
    expect(gate.acquire()).toBeUndefined();
    expect(gate.acquire()).toBeUndefined();
    const queued = [gate.acquire(), gate.acquire()];
    expect(gate.inUse).toBe(2);
    gate.release();
    gate.release();
    await Promise.all(queued);
    expect(gate.inUse).toBe(2);
    gate.release();
    expect(gate.inUse).toBe(1);
    expect(gate.acquire()).toBeUndefined();
    expect(gate.acquire()).toBeInstanceOf(Promise);
  });

  it('refuses a caller whose signal has already aborted instead of queueing it', async () => {
    const gate = new ConcurrencyGate(1);
    gate.acquire();
    const reason = new Error('run cancelled');
    await expect(gate.acquire(AbortSignal.abort(reason))).rejects.toBe(reason);
    gate.release();
    expect(gate.inUse).toBe(0);
  });

  it('rejects an aborted waiter with the reason of its signal and grants the next one', async () => {
    const gate = new ConcurrencyGate(1);
    gate.acquire();
    const controller = new AbortController();
    const aborted = gate.acquire(controller.signal);
    const next = gate.acquire();
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    gate.release();
    await next;
    expect(gate.inUse).toBe(1);
  });
});

describe('engine concurrency limit', () => {
  it('holds steps that become ready after a queued step was granted its slot to the limit', async () => {
    let active = 0;
    let peak = 0;
    const work = {
      inputSchema: z.object({}).passthrough(),
      execute: async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active--;
        return 'ok';
      },
    };
    const { engine } = setup({ concurrency: 2, tools: { work } });
    // Each second-wave step asks for a slot only after its first-wave step ended, so it meets a
    // gate that has already handed slots to queued steps.
    const steps = Array.from({ length: 4 }, (_, index) => [
      { id: `a${index}`, kind: 'tool' as const, tool: 'work' },
      { id: `b${index}`, kind: 'tool' as const, tool: 'work', needs: [`a${index}`] },
    ]).flat();
    const results = await Promise.all([engine.run(define({ steps })), engine.run(define({ steps }))]);
    expect(results.map((result) => result.status)).toEqual(['succeeded', 'succeeded']);
    expect(peak).toBe(2);
  });
});
