import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConcurrencyGate } from '../../../src/core/index.js';
import { define, setup } from '../fixtures.js';

function tracker() {
  let active = 0;
  let peak = 0;
  return {
    get peak() {
      return peak;
    },
    tool: {
      inputSchema: z.object({}).passthrough(),
      execute: async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active--;
        return 'ok';
      },
    },
  };
}

const fan = (count: number, extra: Record<string, unknown> = {}) =>
  Array.from({ length: count }, (_, index) => ({
    id: `s${index}`,
    kind: 'tool' as const,
    tool: 'work',
    ...extra,
  }));

describe('ConcurrencyGate', () => {
  it('grants at once below its limit and queues in order above it', async () => {
    const gate = new ConcurrencyGate(1);
    expect(gate.acquire()).toBeUndefined();
    const order: number[] = [];
    const second = gate.acquire()?.then(() => order.push(2));
    const third = gate.acquire()?.then(() => order.push(3));
    gate.release();
    await second;
    gate.release();
    await third;
    expect(order).toEqual([2, 3]);
  });

  it('drops a waiter whose signal aborts', async () => {
    const gate = new ConcurrencyGate(1);
    gate.acquire();
    const controller = new AbortController();
    const waiting = gate.acquire(controller.signal);
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    gate.release();
    expect(gate.inUse).toBe(0);
  });
});

describe('concurrency limits', () => {
  it('holds every run of the process to the global limit', async () => {
    const work = tracker();
    const { engine } = setup({ concurrency: 3, tools: { work: work.tool } });
    const definition = define({ steps: fan(6) });
    const results = await Promise.all([engine.run(definition), engine.run(definition)]);
    expect(results.map((result) => result.status)).toEqual(['succeeded', 'succeeded']);
    expect(work.peak).toBe(3);
  });

  it('holds steps that name a limit to it, shared across runs', async () => {
    const work = tracker();
    const { engine } = setup({ tools: { work: work.tool } });
    const definition = define({ limits: { provider: 2 }, steps: fan(5, { limit: 'provider' }) });
    await Promise.all([engine.run(definition), engine.run(definition)]);
    expect(work.peak).toBe(2);
  });

  it('runs independent steps together without any special kind', async () => {
    const work = tracker();
    const { engine } = setup({ tools: { work: work.tool } });
    await engine.run(define({ steps: fan(8) }));
    expect(work.peak).toBe(8);
  });
});

describe('ConcurrencyGate under one signal', () => {
  it('adds one abort listener for all the waiters of a signal, and removes it when none is left', async () => {
    const gate = new ConcurrencyGate(1);
    gate.acquire();
    const controller = new AbortController();
    let added = 0;
    let removed = 0;
    const { signal } = controller;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = (...parameters: Parameters<typeof add>) => {
      added++;
      add(...parameters);
    };
    signal.removeEventListener = (...parameters: Parameters<typeof remove>) => {
      removed++;
      remove(...parameters);
    };
    const waiting = Array.from({ length: 100 }, () => gate.acquire(signal));
    expect(added).toBe(1);
    for (const granted of waiting) {
      gate.release();
      await granted;
    }
    expect(removed).toBe(1);
    gate.release();
    expect(gate.inUse).toBe(0);
  });

  it('still drops the waiters of a signal left queued after another of its waiters was granted', async () => {
    const gate = new ConcurrencyGate(1);
    gate.acquire();
    const controller = new AbortController();
    const granted = gate.acquire(controller.signal);
    const queued = gate.acquire(controller.signal);
    gate.release();
    await granted;
    controller.abort(new Error('gone'));
    await expect(queued).rejects.toThrow('gone');
    expect(gate.inUse).toBe(1);
  });

  it('drops a waiter queued under a signal whose earlier waiters were all granted', async () => {
    const gate = new ConcurrencyGate(1);
    gate.acquire();
    const controller = new AbortController();
    const granted = gate.acquire(controller.signal);
    gate.release();
    await granted;
    const later = gate.acquire(controller.signal);
    controller.abort(new Error('gone'));
    await expect(later).rejects.toThrow('gone');
    expect(gate.inUse).toBe(1);
  });

  it('drops every waiter of an aborted signal, keeps the others in order, and frees no slot', async () => {
    const gate = new ConcurrencyGate(1);
    gate.acquire();
    const cancelled = new AbortController();
    const kept = new AbortController();
    const order: string[] = [];
    const first = gate.acquire(cancelled.signal)?.then(
      () => order.push('cancelled 1'),
      () => order.push('dropped 1'),
    );
    const second = gate.acquire(kept.signal)?.then(() => order.push('kept 2'));
    const third = gate.acquire(cancelled.signal)?.then(
      () => order.push('cancelled 3'),
      () => order.push('dropped 3'),
    );
    const fourth = gate.acquire()?.then(() => order.push('plain 4'));
    cancelled.abort(new Error('gone'));
    await Promise.all([first, third]);
    expect(gate.inUse).toBe(1);
    gate.release();
    await second;
    gate.release();
    await fourth;
    expect(order).toEqual(['dropped 1', 'dropped 3', 'kept 2', 'plain 4']);
    expect(gate.inUse).toBe(1);
  });

  it('grants thousands of queued waiters in order', async () => {
    const gate = new ConcurrencyGate(2);
    gate.acquire();
    gate.acquire();
    const signal = new AbortController().signal;
    const order: number[] = [];
    const waiting = Array.from({ length: 3000 }, (_, index) =>
      gate.acquire(signal)?.then(() => order.push(index)),
    );
    for (let index = 0; index < 3000; index++) gate.release();
    await Promise.all(waiting);
    expect(order).toEqual(Array.from({ length: 3000 }, (_, index) => index));
    expect(gate.inUse).toBe(2);
  });
});
