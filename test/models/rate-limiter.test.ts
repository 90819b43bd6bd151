import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/core/index.js';
import { RateLimiter, RateLimiterPool, type RatePermit } from '../../src/models/index.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(() => {
  vi.useRealTimers();
});

/** Acquires a slot and records when it was granted. */
function request(limiter: RateLimiter, tokens = 0, signal?: AbortSignal) {
  const state: { permit?: RatePermit; grantedAt?: number; error?: unknown } = {};
  const done = limiter.acquire(tokens, signal).then(
    (permit) => {
      state.permit = permit;
      state.grantedAt = Date.now();
    },
    (error: unknown) => {
      state.error = error;
    },
  );
  return Object.assign(state, { done });
}

describe('RateLimiter', () => {
  it('lets requests through up to the per-minute limit, then waits for the window', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 2, windowMs: 1_000 }, systemClock);
    const first = request(limiter);
    const second = request(limiter);
    const third = request(limiter);
    await vi.advanceTimersByTimeAsync(0);
    expect([first.grantedAt, second.grantedAt, third.grantedAt]).toEqual([0, 0, undefined]);
    first.permit?.release();
    await vi.advanceTimersByTimeAsync(999);
    expect(third.grantedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(third.grantedAt).toBe(1_000);
  });

  it('counts a quick request until a window after it ends', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 1, windowMs: 1_000 }, systemClock);
    const first = request(limiter);
    const second = request(limiter);
    await vi.advanceTimersByTimeAsync(100);
    first.permit?.release();
    await vi.advanceTimersByTimeAsync(999);
    expect(second.grantedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(second.grantedAt).toBe(1_100);
  });

  it('counts a slow request from when it reached the server, not from when its answer ended', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 1, windowMs: 1_000 }, systemClock);
    const first = request(limiter);
    const second = request(limiter);
    // The answer takes 800 ms; the request reached the server within the 200 ms allowance.
    await vi.advanceTimersByTimeAsync(800);
    first.permit?.release();
    await vi.advanceTimersByTimeAsync(399);
    expect(second.grantedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(second.grantedAt).toBe(1_200);
  });

  it.each([0.01, 0.1, 0.2])(
    'keeps throughput at 95%% of the limit or more when answers take %s of the window',
    async (share) => {
      const windowMs = 5_000;
      const limits = { requestsPerMinute: 50, windowMs };
      const limiter = new RateLimiter(limits, systemClock);
      const latencyMs = windowMs * share;
      const grants: number[] = [];
      // 20 callers, each making calls one after another for 10 windows.
      const caller = async () => {
        while (Date.now() < windowMs * 10) {
          const permit = await limiter.acquire(0);
          grants.push(Date.now());
          await new Promise((resolve) => setTimeout(resolve, latencyMs));
          permit.release();
        }
      };
      const callers = Array.from({ length: 20 }, caller);
      await vi.advanceTimersByTimeAsync(windowMs * 11);
      await Promise.all(callers);
      const inTenWindows = grants.filter((time) => time < windowMs * 10).length;
      expect(inTenWindows / (limits.requestsPerMinute * 10)).toBeGreaterThanOrEqual(0.95);
      // And never more than the limit in any window, counted from when each request was sent.
      for (const start of grants) {
        expect(grants.filter((time) => time >= start && time < start + windowMs).length).toBeLessThanOrEqual(
          50,
        );
      }
    },
  );

  it('caps requests in flight and lets the next one in on release', async () => {
    const limiter = new RateLimiter({ concurrency: 2 }, systemClock);
    const calls = [request(limiter), request(limiter), request(limiter)];
    await vi.advanceTimersByTimeAsync(0);
    expect(limiter.active).toBe(2);
    expect(limiter.waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(300);
    calls[1]?.permit?.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls[2]?.grantedAt).toBe(300);
  });

  it('waits when tokens per minute would run over, and counts the tokens really used', async () => {
    const limiter = new RateLimiter({ tokensPerMinute: 100, windowMs: 1_000 }, systemClock);
    const first = request(limiter, 60);
    const second = request(limiter, 60);
    await vi.advanceTimersByTimeAsync(0);
    expect(second.grantedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(100);
    // The estimate was 60; the call used 30, which leaves room for the second one at once.
    first.permit?.release(30);
    await vi.advanceTimersByTimeAsync(0);
    expect(second.grantedAt).toBe(100);
  });

  it('lets a request larger than the whole token budget go once the window is empty', async () => {
    const limiter = new RateLimiter({ tokensPerMinute: 100, windowMs: 1_000 }, systemClock);
    const small = request(limiter, 10);
    const huge = request(limiter, 500);
    await vi.advanceTimersByTimeAsync(0);
    small.permit?.release();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(huge.grantedAt).toBe(1_000);
  });

  it('serves waiting callers in the order they came', async () => {
    const limiter = new RateLimiter({ concurrency: 1 }, systemClock);
    const order: number[] = [];
    const holder = request(limiter);
    const waiting = [1, 2, 3].map((index) =>
      limiter.acquire(0).then((permit) => {
        order.push(index);
        permit.release();
      }),
    );
    await vi.advanceTimersByTimeAsync(0);
    holder.permit?.release();
    await Promise.all(waiting);
    expect(order).toEqual([1, 2, 3]);
  });

  it('holds every caller back after a 429 for as long as the server asked', async () => {
    const limiter = new RateLimiter({ requestsPerMinute: 1_000 }, systemClock);
    limiter.pause(2_000);
    const waiting = request(limiter);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(waiting.grantedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(waiting.grantedAt).toBe(2_000);
  });

  it('gives up a wait when its signal aborts, and the next caller moves up', async () => {
    const limiter = new RateLimiter({ concurrency: 1 }, systemClock);
    const holder = request(limiter);
    const controller = new AbortController();
    const abandoned = request(limiter, 0, controller.signal);
    const next = request(limiter);
    await vi.advanceTimersByTimeAsync(0);
    controller.abort(new Error('step cancelled'));
    await abandoned.done;
    expect(abandoned.error).toEqual(new Error('step cancelled'));
    expect(limiter.waiting).toBe(1);
    holder.permit?.release();
    await next.done;
    expect(next.grantedAt).toBe(0);
  });
});

describe('RatePermit.markSent', () => {
  it('counts a request from when it was sent, and ignores a mark that comes after it ended', async () => {
    const limiter = new RateLimiter(
      { requestsPerMinute: 1, windowMs: 1_000, sendAllowanceMs: 200 },
      systemClock,
    );
    const first = request(limiter);
    const second = request(limiter);
    await vi.advanceTimersByTimeAsync(300);
    // Sent at 300, it reached the server by 500: the second caller goes a window later.
    first.permit?.markSent();
    await vi.advanceTimersByTimeAsync(500);
    first.permit?.release();
    // A late mark (a request that never went out before its call ended) moves nothing.
    await vi.advanceTimersByTimeAsync(100);
    first.permit?.markSent();
    await vi.advanceTimersByTimeAsync(599);
    expect(second.grantedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(second.grantedAt).toBe(1_500);
  });
});

describe('RateLimiterPool', () => {
  it('hands every caller of a provider the same limiter, with the latest limits', async () => {
    const pool = new RateLimiterPool();
    const first = pool.get('openai', { concurrency: 1 }, systemClock);
    const second = pool.get('openai', { concurrency: 2 }, systemClock);
    expect(second).toBe(first);
    expect(pool.get('anthropic', {}, systemClock)).not.toBe(first);
    const calls = [request(second), request(second)];
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((call) => call.grantedAt)).toEqual([0, 0]);
  });
});
