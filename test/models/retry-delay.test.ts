import { describe, expect, it } from 'vitest';
import { backoffDelay, retryAfterOf } from '../../src/core/index.js';
import { defaultRetryOptions, modelRetryDelay } from '../../src/models/retry-delay.js';

describe('retryAfterOf', () => {
  const now = Date.parse('2025-11-20T10:15:00Z');

  it('reads retry-after-ms first, in milliseconds', () => {
    expect(retryAfterOf({ 'retry-after-ms': '250', 'retry-after': '9' }, now)).toBe(250);
  });

  it('reads retry-after in seconds, whole or decimal', () => {
    expect(retryAfterOf({ 'retry-after': '2' }, now)).toBe(2_000);
    expect(retryAfterOf({ 'Retry-After': '0.5' }, now)).toBe(500);
    expect(retryAfterOf({ 'retry-after': ' 120 ' }, now)).toBe(120_000);
    expect(retryAfterOf({ 'retry-after': '1.25' }, now)).toBe(1_250);
  });

  it('reads retry-after as an HTTP date, measured from the clock', () => {
    expect(retryAfterOf({ 'retry-after': 'Thu, 20 Nov 2025 10:15:04 GMT' }, now)).toBe(4_000);
    expect(retryAfterOf({ 'retry-after': 'Thu, 20 Nov 2025 10:14:00 GMT' }, now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(retryAfterOf({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(retryAfterOf({}, now)).toBeUndefined();
    expect(retryAfterOf(undefined, now)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  const backoff = { initialDelayMs: 1_000, maxDelayMs: 5_000, factor: 2 };

  it('draws below a ceiling that grows by the factor up to the maximum', () => {
    const highest = () => 0.999_999;
    expect([0, 1, 2, 3, 4].map((retry) => backoffDelay(backoff, retry, highest))).toEqual([
      999, 1_999, 3_999, 4_999, 4_999,
    ]);
    expect(backoffDelay(backoff, 3, () => 0)).toBe(0);
  });

  it('waits at least a Retry-After, spread by up to a fifth more, never past the maximum', () => {
    expect(backoffDelay(backoff, 0, () => 0, 2_000)).toBe(2_000);
    expect(backoffDelay(backoff, 0, () => 0.999_999, 2_000)).toBe(2_399);
    expect(backoffDelay(backoff, 0, () => 0.5, 86_400_000)).toBe(5_000);
  });

  it('spreads ten callers told to come back after the same Retry-After', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    const waits = Array.from({ length: 10 }, () => backoffDelay(backoff, 0, random, 1_000)).sort(
      (a, b) => a - b,
    );
    expect((waits.at(-1) ?? 0) - (waits[0] ?? 0)).toBeGreaterThan(50);
  });
});

describe('modelRetryDelay', () => {
  it('is the core backoff, with Retry-After waits capped by maxRetryAfterMs', () => {
    const options = { ...defaultRetryOptions, initialDelayMs: 1_000, maxDelayMs: 5_000 };
    expect(modelRetryDelay(2, options, () => 0.999_999)).toBe(3_999);
    expect(modelRetryDelay(0, options, () => 0, 45_000)).toBe(45_000);
    expect(modelRetryDelay(0, options, () => 0.999_999, 59_000)).toBe(60_000);
  });
});
