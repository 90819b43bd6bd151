import { describe, expect, it } from 'vitest';
import { retryAfterOf } from '../../src/core/index.js';
import { backoffDelay, defaultRetryOptions } from '../../src/models/retry-delay.js';

describe('retryAfterOf', () => {
  const now = Date.parse('2025-11-20T10:15:00Z');

  it('reads retry-after-ms first, in milliseconds', () => {
    expect(retryAfterOf({ 'retry-after-ms': '250', 'retry-after': '9' }, now)).toBe(250);
  });

  it('reads retry-after in seconds, whole or decimal', () => {
    expect(retryAfterOf({ 'retry-after': '2' }, now)).toBe(2_000);
    expect(retryAfterOf({ 'Retry-After': '0.5' }, now)).toBe(500);
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
  it('draws below a ceiling that grows by the factor up to the maximum', () => {
    const options = { ...defaultRetryOptions, initialDelayMs: 1_000, maxDelayMs: 5_000 };
    const highest = () => 0.999_999;
    expect([0, 1, 2, 3, 4].map((retry) => backoffDelay(retry, options, highest))).toEqual([
      999, 1_999, 3_999, 4_999, 4_999,
    ]);
    expect(backoffDelay(3, options, () => 0)).toBe(0);
  });
});
