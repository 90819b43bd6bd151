import jStat from 'jstat';

/** A mean difference (variant − baseline, in points of a 0–100 scale) with its confidence interval. */
export interface Interval {
  mean: number;
  lower: number;
  upper: number;
  /** Two-sided confidence level of [lower, upper], e.g. 0.9. */
  level: number;
  method: 'paired-t' | 'paired-proportion' | 'bootstrap';
}

/**
 * The paired t interval of the per-case differences (each already averaged over repeats).
 * With fewer than two cases, or no spread at all, the interval is the mean itself.
 */
export function pairedTInterval(differences: readonly number[], level: number): Interval {
  const n = differences.length;
  const mean = average(differences);
  if (n < 2) return { mean, lower: mean, upper: mean, level, method: 'paired-t' };
  const variance = differences.reduce((sum, d) => sum + (d - mean) ** 2, 0) / (n - 1);
  const half = jStat.studentt.inv(1 - (1 - level) / 2, n - 1) * Math.sqrt(variance / n);
  return { mean, lower: mean - half, upper: mean + half, level, method: 'paired-t' };
}

/** McNemar's discordant counts of a pass/fail metric over paired cases. */
export interface McNemarCounts {
  /** Cases where the baseline passed and the variant failed. */
  b: number;
  /** Cases where the variant passed and the baseline failed. */
  c: number;
  n: number;
}

/**
 * The interval of the difference of two paired proportions, in points:
 * d̂ ± z·√(b + c − (c − b)²/n)/n, with d̂ = (c − b)/n.
 */
export function pairedProportionInterval({ b, c, n }: McNemarCounts, level: number): Interval {
  if (n === 0) return { mean: 0, lower: 0, upper: 0, level, method: 'paired-proportion' };
  const mean = (c - b) / n;
  const z = jStat.normal.inv(1 - (1 - level) / 2, 0, 1);
  const half = (z * Math.sqrt(Math.max(0, b + c - (c - b) ** 2 / n))) / n;
  return {
    mean: mean * 100,
    lower: (mean - half) * 100,
    upper: (mean + half) * 100,
    level,
    method: 'paired-proportion',
  };
}

/** The exact two-sided McNemar p-value: a binomial test of min(b, c) among b + c at 1/2. */
export function mcnemarExactP({ b, c }: Pick<McNemarCounts, 'b' | 'c'>): number {
  const discordant = b + c;
  if (discordant === 0) return 1;
  return Math.min(1, 2 * jStat.binomial.cdf(Math.min(b, c), discordant, 0.5));
}

/**
 * A percentile bootstrap interval of the mean difference, resampling cases with a seeded
 * generator so the same seed gives the same interval.
 */
export function bootstrapInterval(
  differences: readonly number[],
  level: number,
  options: { seed: number; resamples?: number },
): Interval {
  const n = differences.length;
  const mean = average(differences);
  if (n < 2) return { mean, lower: mean, upper: mean, level, method: 'bootstrap' };
  const random = mulberry32(options.seed);
  const resamples = options.resamples ?? 2000;
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += differences[Math.floor(random() * n)] ?? 0;
    means[r] = sum / n;
  }
  means.sort();
  const tail = (1 - level) / 2;
  return {
    mean,
    lower: quantileOfSorted(means, tail),
    upper: quantileOfSorted(means, 1 - tail),
    level,
    method: 'bootstrap',
  };
}

/**
 * Holm's step-down correction: adjusted p-values, in the order given, for checking several
 * variants against one baseline.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const order = pValues.map((p, index) => ({ p, index })).sort((x, y) => x.p - y.p);
  const adjusted = new Array<number>(pValues.length).fill(1);
  let running = 0;
  order.forEach(({ p, index }, rank) => {
    running = Math.max(running, Math.min(1, (pValues.length - rank) * p));
    adjusted[index] = running;
  });
  return adjusted;
}

/**
 * The two-sided confidence level that keeps a family of `k` comparisons at `alpha` under
 * Holm's correction in the worst case (the first, strictest step): 1 − 2α/k for one-sided
 * non-inferiority bounds taken from a two-sided interval.
 */
export function familyLevel(alpha: number, comparisons: number): number {
  return 1 - (2 * alpha) / Math.max(1, comparisons);
}

/**
 * The number of cases a margin needs: the smallest n whose interval half-width, at the
 * observed spread of the per-case differences, is below the margin.
 */
export function casesNeeded(standardDeviation: number, margin: number, level: number): number {
  if (margin <= 0) return Number.POSITIVE_INFINITY;
  const z = jStat.normal.inv(1 - (1 - level) / 2, 0, 1);
  return Math.max(2, Math.ceil(((z * standardDeviation) / margin) ** 2));
}

export function average(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

export function standardDeviation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = average(values);
  return Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1));
}

/** The p-th quantile (0–1) by linear interpolation; undefined for no values. */
export function quantile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  return quantileOfSorted(Float64Array.from(values).sort(), p);
}

function quantileOfSorted(sorted: Float64Array, p: number): number {
  const position = (sorted.length - 1) * p;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below] ?? 0;
  return low + ((sorted[above] ?? low) - low) * (position - below);
}

// A small seeded generator: the bootstrap must give the same interval for the same seed.
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
