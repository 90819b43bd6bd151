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
