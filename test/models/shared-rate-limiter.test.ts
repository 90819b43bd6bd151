import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/core/index.js';
import type { RateLimits } from '../../src/models/model-config.js';
import {
  RateLimiter,
  RateLimiterPool,
  type SharedRateBudget,
  SharedRateLimiter,
} from '../../src/models/rate-limiter.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});

afterEach(() => {
  vi.useRealTimers();
});

/** A shared budget that answers `take` from a script and records every call. */
function budget(answers: Array<{ id: string } | { retryAt: number } | Error>) {
  const calls: unknown[][] = [];
  const shared: SharedRateBudget = {
    take: async (...args) => {
      calls.push(['take', ...args]);
      const answer = answers.shift() ?? { id: 'last' };
      if (answer instanceof Error) throw answer;
      return answer;
    },
    settle: async (...args) => {
      calls.push(['settle', ...args]);
      throw new Error('the database missed it');
    },
    pause: async (...args) => {
      calls.push(['pause', ...args]);
      throw new Error('the database missed it');
    },
  };
  return { shared, calls };
}

const limits: RateLimits = { requestsPerMinute: 10 };

describe('SharedRateLimiter', () => {
  it('asks the shared budget after its own queue, again when told when, and settles on release', async () => {
    const { shared, calls } = budget([{ retryAt: 100 }, { retryAt: 0 }, { id: 'r1' }]);
    const limiter = new SharedRateLimiter('openai', limits, systemClock, shared);
    let grantedAt: number | undefined;
    const granted = limiter.acquire(40).then((permit) => {
      grantedAt = Date.now();
      return permit;
    });
    await vi.advanceTimersByTimeAsync(99);
    expect(grantedAt).toBeUndefined();
    // Told to ask again at 100; then told a time already past, it waits 5 ms rather than spin.
    await vi.advanceTimersByTimeAsync(5);
    expect(grantedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(grantedAt).toBe(105);
    const permit = await granted;
    expect(limiter.active).toBe(1);
    permit.release(42);
    await vi.advanceTimersByTimeAsync(0);
    expect(limiter.active).toBe(0);
    expect(calls).toEqual([
      ['take', 'openai', limits, 40],
      ['take', 'openai', limits, 40],
      ['take', 'openai', limits, 40],
      ['settle', 'openai', 'r1', limits, 42],
    ]);
  });

  it('marks its own permit sent when the shared permit is', async () => {
    const { shared } = budget([{ id: 'r1' }]);
    const limiter = new SharedRateLimiter(
      'openai',
      { requestsPerMinute: 1, windowMs: 1_000, sendAllowanceMs: 200 },
      systemClock,
      shared,
    );
    const first = await limiter.acquire(0);
    await vi.advanceTimersByTimeAsync(500);
    first.markSent();
    await vi.advanceTimersByTimeAsync(300);
    first.release();
    let secondAt: number | undefined;
    void limiter.acquire(0).then(() => {
      secondAt = Date.now();
    });
    // Sent at 500, it reached the server by 700 and counts until 1700, not 1200.
    await vi.advanceTimersByTimeAsync(899);
    expect(secondAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(secondAt).toBe(1_700);
  });

  it('gives its own slot back when the shared budget fails, and fails the caller', async () => {
    const { shared } = budget([new Error('database down')]);
    const limiter = new SharedRateLimiter('openai', { concurrency: 1 }, systemClock, shared);
    await expect(limiter.acquire(10)).rejects.toThrow('database down');
    expect(limiter.active).toBe(0);
  });

  it('pauses itself and the shared budget, and takes new limits for the shared budget too', async () => {
    const { shared, calls } = budget([{ id: 'r1' }]);
    const limiter = new SharedRateLimiter('openai', limits, systemClock, shared);
    await vi.advanceTimersByTimeAsync(1_000);
    limiter.pause(2_000);
    let grantedAt: number | undefined;
    void limiter.acquire(1).then(() => {
      grantedAt = Date.now();
    });
    const newer = { requestsPerMinute: 20 };
    limiter.setLimits(newer);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(grantedAt).toBe(3_000);
    expect(calls.slice(0, 2)).toEqual([
      ['pause', 'openai', 3_000],
      ['take', 'openai', newer, 1],
    ]);
  });
});

describe('SharedRateLimiter.setLimits', () => {
  it('applies new limits to its own queue as well', async () => {
    const { shared } = budget([]);
    const limiter = new SharedRateLimiter('openai', { concurrency: 1 }, systemClock, shared);
    await limiter.acquire(0);
    let second = false;
    void limiter.acquire(0).then(() => {
      second = true;
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(second).toBe(false);
    limiter.setLimits({ concurrency: 2 });
    await vi.advanceTimersByTimeAsync(0);
    expect(second).toBe(true);
  });
});

describe('RateLimiterPool with a shared budget', () => {
  it('hands out limiters that draw from the shared budget, and plain ones without it', () => {
    const { shared } = budget([]);
    expect(new RateLimiterPool({ shared }).get('openai', limits, systemClock)).toBeInstanceOf(
      SharedRateLimiter,
    );
    const plain = new RateLimiterPool().get('openai', limits, systemClock);
    expect(plain).toBeInstanceOf(RateLimiter);
    expect(plain).not.toBeInstanceOf(SharedRateLimiter);
  });
});
