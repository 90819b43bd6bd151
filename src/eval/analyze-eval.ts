import jStat from 'jstat';
import type { EvalFile, Scorer } from './eval-file.js';
import type { JudgeCall } from './judge.js';
import { type CellResult, isBinary, isDeterministic, type Score } from './score-cell.js';
import {
  average,
  bootstrapInterval,
  casesNeeded,
  type Interval,
  mcnemarExactP,
  pairedProportionInterval,
  pairedTInterval,
  quantile,
  standardDeviation,
} from './statistics.js';

/** A cell with its scores by scorer id. */
export interface ScoredCell {
  caseId: string;
  variant: string;
  repeat: number;
  runId: string;
  result: CellResult;
  scores: Record<string, Score>;
  judgeCalls: JudgeCall[];
  /** Pairwise comparisons whose two orders disagreed. */
  flips: number;
  pairwise: number;
}

export type Verdict =
  | 'non-inferior, no measurable degradation'
  | 'non-inferior but measurably worse'
  | 'inferior'
  | 'inconclusive';

export interface Comparison extends Interval {
  /** p-value of the non-inferiority test (H0: Δ ≤ −δ), before and after Holm's correction. */
  pValue: number;
  adjustedP: number;
  mcnemar?: { b: number; c: number; n: number; p: number };
  pairedCases: number;
}

export interface VariantReport {
  id: string;
  baseline: boolean;
  gated: boolean;
  cases: number;
  cells: number;
  /** Cells whose primary metric could not be scored (an unusable judge reply, an unpriced cost). */
  unscored: number;
  /** Share of cells that passed every deterministic scorer. */
  passRate: number;
  /** Mean of each scorer on 0–100, per case (repeats averaged), or null when nothing was scored. */
  means: Record<string, number | null>;
  comparison?: Comparison;
  verdict?: Verdict;
  /** Why an inconclusive verdict is inconclusive, and how many cases would settle it. */
  inconclusiveReason?: string;
  casesNeeded?: number;
  /** US dollars per case, or null when a model it called has no price (unknown, not free). */
  costPerCase: number | null;
  unpricedModels: string[];
  deltaCostPercent: number | null;
  judgeCostUsd: number;
  tokens: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  /** Share of pairwise comparisons whose two orders disagreed (position bias), or null. */
  flipRate: number | null;
  thresholdsFailed: string[];
}

export interface AnalysisOptions {
  spec: Pick<EvalFile, 'primary' | 'margin' | 'alpha' | 'thresholds' | 'variants' | 'scorers'>;
  bootstrap?: { seed: number } | undefined;
}

/** Unscored cells above this share make a verdict inconclusive. */
export const maxUnscoredShare = 0.05;

/**
 * Summarises scored cells per variant and compares each with the baseline on the primary metric:
 * per case (repeats averaged) differences, their interval, Holm's correction across the gated
 * variants, and the verdict against the margin.
 */
export function analyzeEval(cells: readonly ScoredCell[], options: AnalysisOptions): VariantReport[] {
  const { spec } = options;
  const alpha = spec.alpha ?? 0.05;
  const primary = spec.scorers.find((scorer) => scorer.id === spec.primary) as Scorer;
  const baseline = spec.variants.find((variant) => variant.baseline)?.id ?? '';
  const byVariant = new Map<string, ScoredCell[]>();
  for (const cell of cells) byVariant.set(cell.variant, [...(byVariant.get(cell.variant) ?? []), cell]);
  const reports = spec.variants.map((variant) =>
    summarize(
      variant.id,
      variant.id === baseline,
      variant.gate !== false,
      byVariant.get(variant.id) ?? [],
      spec,
    ),
  );
  const base = reports.find((report) => report.baseline);
  const baseCells = byVariant.get(baseline) ?? [];
  const repeats = Math.max(1, ...cells.map((cell) => cell.repeat + 1));
  const compared = reports.filter((report) => !report.baseline);
  for (const report of compared) {
    const own = byVariant.get(report.id) ?? [];
    report.comparison = compare(primary, own, baseCells, spec.margin, alpha, repeats, options.bootstrap);
    if (base?.costPerCase != null && report.costPerCase !== null && base.costPerCase > 0) {
      report.deltaCostPercent = ((report.costPerCase - base.costPerCase) / base.costPerCase) * 100;
    }
  }
  // Holm: the gated variant with the smallest p is checked at α/k, the next at α/(k−1), ...
  const gated = compared
    .filter((report) => report.gated)
    .sort((a, b) => (a.comparison?.pValue ?? 1) - (b.comparison?.pValue ?? 1));
  let running = 0;
  gated.forEach((report, rank) => {
    const comparison = report.comparison as Comparison;
    running = Math.max(running, Math.min(1, (gated.length - rank) * comparison.pValue));
    comparison.adjustedP = running;
    const level = 1 - (2 * alpha) / (gated.length - rank);
    Object.assign(
      comparison,
      reinterval(primary, byVariant.get(report.id) ?? [], baseCells, level, repeats, options.bootstrap),
    );
  });
  for (const report of compared) decide(report, base, spec.margin);
  return reports;
}

function summarize(
  id: string,
  baseline: boolean,
  gated: boolean,
  cells: readonly ScoredCell[],
  spec: AnalysisOptions['spec'],
): VariantReport {
  const cases = groupByCase(cells);
  const means: Record<string, number | null> = {};
  for (const scorer of spec.scorers) {
    const perCase = [...cases.values()].flatMap((group) => caseMean(group, scorer.id));
    means[scorer.id] = perCase.length === 0 ? null : average(perCase) * 100;
  }
  const deterministic = spec.scorers.filter(isDeterministic);
  const passed = cells.filter((cell) =>
    deterministic.every((scorer) => {
      const score = cell.scores[scorer.id];
      return score !== undefined && !('unscored' in score) && score.pass;
    }),
  );
  const unpriced = [...new Set(cells.flatMap((cell) => cell.result.unpricedModels))];
  const perCaseCost = [...cases.values()].map((group) => average(group.map((cell) => cell.result.costUsd)));
  const latencies = cells.map((cell) => cell.result.durationMs);
  const pairwise = cells.reduce((sum, cell) => sum + cell.pairwise, 0);
  const thresholdsFailed = Object.entries(spec.thresholds ?? {}).flatMap(([scorerId, minimum]) =>
    (means[scorerId] ?? Number.NEGATIVE_INFINITY) < minimum ? [scorerId] : [],
  );
  return {
    id,
    baseline,
    gated: gated && !baseline,
    cases: cases.size,
    cells: cells.length,
    unscored: cells.filter((cell) => isUnscored(cell.scores[spec.primary])).length,
    passRate: cells.length === 0 ? 0 : passed.length / cells.length,
    means,
    costPerCase: unpriced.length > 0 ? null : average(perCaseCost),
    unpricedModels: unpriced,
    deltaCostPercent: null,
    judgeCostUsd: cells.reduce(
      (sum, cell) => sum + cell.judgeCalls.reduce((inner, call) => inner + call.costUsd, 0),
      0,
    ),
    tokens: cells.reduce((sum, cell) => sum + cell.result.tokens, 0),
    latencyP50Ms: quantile(latencies, 0.5) ?? null,
    latencyP95Ms: quantile(latencies, 0.95) ?? null,
    flipRate: pairwise === 0 ? null : cells.reduce((sum, cell) => sum + cell.flips, 0) / pairwise,
    thresholdsFailed,
  };
}

function groupByCase(cells: readonly ScoredCell[]): Map<string, ScoredCell[]> {
  const cases = new Map<string, ScoredCell[]>();
  for (const cell of cells) cases.set(cell.caseId, [...(cases.get(cell.caseId) ?? []), cell]);
  return cases;
}

/** A case's score on one scorer, repeats averaged; nothing when no repeat was scored. */
function caseMean(group: readonly ScoredCell[], scorerId: string): number[] {
  const values = group.flatMap((cell) => {
    const score = cell.scores[scorerId];
    return score === undefined || 'unscored' in score ? [] : [score.value];
  });
  return values.length === 0 ? [] : [average(values)];
}

function isUnscored(score: Score | undefined): boolean {
  return score === undefined || 'unscored' in score;
}

/** Per-case differences variant − baseline on 0–100, over the cases both scored. */
function differences(primary: Scorer, own: readonly ScoredCell[], base: readonly ScoredCell[]) {
  const mine = groupByCase(own);
  const theirs = groupByCase(base);
  const pairs: Array<{ variant: number; baseline: number }> = [];
  for (const [caseId, group] of mine) {
    const a = caseMean(group, primary.id)[0];
    if (a === undefined) continue;
    // Pairwise scores are the variant's wins against the baseline: the baseline's share is 1 − a.
    const b = primary.type === 'pairwise' ? 1 - a : caseMean(theirs.get(caseId) ?? [], primary.id)[0];
    if (b === undefined) continue;
    pairs.push({ variant: a, baseline: b });
  }
  return pairs;
}

function compare(
  primary: Scorer,
  own: readonly ScoredCell[],
  base: readonly ScoredCell[],
  margin: number,
  alpha: number,
  repeats: number,
  bootstrap: AnalysisOptions['bootstrap'],
): Comparison {
  const pairs = differences(primary, own, base);
  const interval = reinterval(primary, own, base, 1 - 2 * alpha, repeats, bootstrap);
  let pValue: number;
  let mcnemar: Comparison['mcnemar'];
  if (isBinary(primary) && repeats === 1 && primary.type !== 'pairwise') {
    const b = pairs.filter((pair) => pair.baseline === 1 && pair.variant === 0).length;
    const c = pairs.filter((pair) => pair.baseline === 0 && pair.variant === 1).length;
    const n = pairs.length;
    mcnemar = { b, c, n, p: mcnemarExactP({ b, c }) };
    const se = n === 0 ? 0 : Math.sqrt(Math.max(0, b + c - (c - b) ** 2 / n)) / n;
    const d = n === 0 ? 0 : (c - b) / n;
    pValue = se === 0 ? (d > -margin / 100 ? 0 : 1) : 1 - jStat.normal.cdf((d + margin / 100) / se, 0, 1);
  } else {
    const values = pairs.map((pair) => (pair.variant - pair.baseline) * 100);
    const n = values.length;
    const se = n < 2 ? 0 : standardDeviation(values) / Math.sqrt(n);
    const mean = average(values);
    pValue = se === 0 ? (mean > -margin ? 0 : 1) : 1 - jStat.studentt.cdf((mean + margin) / se, n - 1);
  }
  return {
    ...interval,
    pValue,
    adjustedP: pValue,
    ...(mcnemar ? { mcnemar } : {}),
    pairedCases: pairs.length,
  };
}

function reinterval(
  primary: Scorer,
  own: readonly ScoredCell[],
  base: readonly ScoredCell[],
  level: number,
  repeats: number,
  bootstrap: AnalysisOptions['bootstrap'],
): Interval {
  const pairs = differences(primary, own, base);
  const values = pairs.map((pair) => (pair.variant - pair.baseline) * 100);
  if (bootstrap) return bootstrapInterval(values, level, { seed: bootstrap.seed });
  if (isBinary(primary) && repeats === 1 && primary.type !== 'pairwise') {
    const b = pairs.filter((pair) => pair.baseline === 1 && pair.variant === 0).length;
    const c = pairs.filter((pair) => pair.baseline === 0 && pair.variant === 1).length;
    return pairedProportionInterval({ b, c, n: pairs.length }, level);
  }
  return pairedTInterval(values, level);
}

function decide(report: VariantReport, base: VariantReport | undefined, margin: number): void {
  const comparison = report.comparison;
  if (!comparison) return;
  const unscoredShare = (count: number, cells: number) => (cells === 0 ? 1 : count / cells);
  const unscored = Math.max(
    unscoredShare(report.unscored, report.cells),
    base ? unscoredShare(base.unscored, base.cells) : 0,
  );
  if (unscored > maxUnscoredShare) {
    report.verdict = 'inconclusive';
    report.inconclusiveReason = `${(unscored * 100).toFixed(1)}% of cells are unscored (above ${maxUnscoredShare * 100}%)`;
    return;
  }
  const { lower, upper } = comparison;
  if (upper < -margin) report.verdict = 'inferior';
  else if (lower > -margin)
    report.verdict =
      upper < 0 ? 'non-inferior but measurably worse' : 'non-inferior, no measurable degradation';
  else {
    report.verdict = 'inconclusive';
    const halfWidth = (upper - lower) / 2;
    const spread =
      comparison.pairedCases < 2
        ? 0
        : (halfWidth * Math.sqrt(comparison.pairedCases)) /
          jStat.normal.inv(1 - (1 - comparison.level) / 2, 0, 1);
    report.casesNeeded = casesNeeded(spread, margin, comparison.level);
    report.inconclusiveReason = `the interval [${lower.toFixed(2)}, ${upper.toFixed(2)}] crosses −δ = −${margin}`;
  }
}
