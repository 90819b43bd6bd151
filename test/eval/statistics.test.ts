import { describe, expect, it } from 'vitest';
import {
  bootstrapInterval,
  casesNeeded,
  holmAdjust,
  mcnemarExactP,
  pairedProportionInterval,
  pairedTInterval,
} from '../../src/eval/statistics.js';

// Reference values computed by hand from the textbook formulas (and checked against R:
// binom.test(2, 12)$p.value = 0.03857; qt(0.95, 9) = 1.833113; qnorm(0.95) = 1.644854).
describe('statistics', () => {
  it('gives the paired-proportion interval of 30 losses in 200 cases', () => {
    const interval = pairedProportionInterval({ b: 30, c: 0, n: 200 }, 0.9);
    expect(interval.mean).toBeCloseTo(-15, 10);
    expect(interval.lower).toBeCloseTo(-19.153, 2);
    expect(interval.upper).toBeCloseTo(-10.847, 2);
    expect(interval.lower.toFixed(2)).toBe('-19.15');
    expect(interval.upper.toFixed(2)).toBe('-10.85');
  });

  it('gives the exact McNemar p-value of b = 10, c = 2', () => {
    expect(mcnemarExactP({ b: 10, c: 2 })).toBeCloseTo(0.03857, 5);
    expect(mcnemarExactP({ b: 2, c: 10 })).toBeCloseTo(0.03857, 5);
    expect(mcnemarExactP({ b: 0, c: 0 })).toBe(1);
    expect(mcnemarExactP({ b: 3, c: 3 })).toBe(1);
  });

  it('gives the paired t interval with the t quantile of n − 1 degrees of freedom', () => {
    const differences = [2, 4, 6, 8, 10, 12, 14, 16, 18, 20];
    const interval = pairedTInterval(differences, 0.9);
    // mean 11, sd 6.0553, se 1.9149, t(0.95, 9) = 1.833113
    expect(interval.mean).toBe(11);
    expect(interval.lower).toBeCloseTo(11 - 1.833113 * 1.914854, 4);
    expect(interval.upper).toBeCloseTo(11 + 1.833113 * 1.914854, 4);
  });

  it('gives a zero-width interval when every case agrees', () => {
    expect(pairedTInterval([0, 0, 0], 0.9)).toMatchObject({ lower: 0, upper: 0 });
    expect(pairedProportionInterval({ b: 0, c: 0, n: 50 }, 0.9)).toMatchObject({ lower: 0, upper: 0 });
  });

  it('adjusts p-values with Holm in the order given', () => {
    const adjusted = holmAdjust([0.01, 0.04, 0.03]);
    // sorted 0.01, 0.03, 0.04 → 0.03, 0.06, max(0.06, 0.04) = 0.06
    expect(adjusted[0]).toBeCloseTo(0.03, 10);
    expect(adjusted[2]).toBeCloseTo(0.06, 10);
    expect(adjusted[1]).toBeCloseTo(0.06, 10);
  });

  it('gives the same bootstrap interval for the same seed and another for another seed', () => {
    const differences = Array.from({ length: 40 }, (_, index) => ((index * 37) % 11) - 5);
    const first = bootstrapInterval(differences, 0.9, { seed: 7 });
    expect(bootstrapInterval(differences, 0.9, { seed: 7 })).toEqual(first);
    expect(bootstrapInterval(differences, 0.9, { seed: 8 })).not.toEqual(first);
    expect(first.lower).toBeLessThan(first.mean);
    expect(first.upper).toBeGreaterThan(first.mean);
  });

  it('says how many cases a margin needs', () => {
    // sd 45.88 (2 of −100 and 2 of +100 among 20), δ = 10 at 90%: (1.6449 · 45.88 / 10)² = 56.9
    expect(casesNeeded(45.883, 10, 0.9)).toBe(57);
    expect(casesNeeded(0, 10, 0.9)).toBe(2);
  });
});
