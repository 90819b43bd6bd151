import { describe, expect, it } from 'vitest';
import { evalExitCode, formatReportJunit } from '../../src/eval/format-report.js';
import { evaluate } from '../../src/eval/run-eval.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { answering, planOf, promptModel, resolverOf, rows, specOf } from './eval-fixtures.js';

describe('evaluate', () => {
  it('gives Δ = 0 and no measurable degradation for identical variants', async () => {
    const models = resolverOf({ strong: answering(() => false), cheap: answering(() => false) });
    const report = await evaluate(planOf(specOf(), rows(30)), { store: new MemoryStore(), models });
    const cheap = report.variants.find((variant) => variant.id === 'cheap');
    expect(cheap?.comparison).toMatchObject({ mean: 0, lower: 0, upper: 0 });
    expect(cheap?.verdict).toBe('non-inferior, no measurable degradation');
    expect(cheap?.passRate).toBe(1);
    expect(evalExitCode(report)).toBe(0);
  });

  it('finds a variant wrong on 30 of 200 cases inferior at δ = 10 and measurably worse at δ = 20', async () => {
    const models = resolverOf({ strong: answering(() => false), cheap: answering((index) => index < 30) });
    const store = new MemoryStore();
    const strict = await evaluate(planOf(specOf({ margin: 10 }), rows(200)), { store, models });
    const cheap = strict.variants.find((variant) => variant.id === 'cheap');
    expect(cheap?.comparison?.mean.toFixed(2)).toBe('-15.00');
    expect(cheap?.comparison?.lower.toFixed(2)).toBe('-19.15');
    expect(cheap?.comparison?.upper.toFixed(2)).toBe('-10.85');
    expect(cheap?.comparison?.mcnemar).toMatchObject({ b: 30, c: 0, n: 200 });
    expect(cheap?.verdict).toBe('inferior');
    expect(evalExitCode(strict)).toBe(1);
    const lenient = await evaluate(planOf(specOf({ margin: 20 }), rows(200)), { store, models });
    const again = lenient.variants.find((variant) => variant.id === 'cheap');
    expect(again?.verdict).toBe('non-inferior but measurably worse');
    expect(again?.verdict).not.toContain('no measurable degradation');
    expect(evalExitCode(lenient)).toBe(0);
    // The cheaper route is cheaper: its price per input token is a tenth.
    expect(cheap?.deltaCostPercent).toBeLessThan(0);
  });

  it('calls 20 cases with 2 discordant each way inconclusive and says how many cases it needs', async () => {
    const models = resolverOf({
      strong: answering((index) => index === 0 || index === 1),
      cheap: answering((index) => index === 2 || index === 3),
    });
    const report = await evaluate(planOf(specOf(), rows(20)), { store: new MemoryStore(), models });
    const cheap = report.variants.find((variant) => variant.id === 'cheap');
    expect(cheap?.comparison?.mcnemar).toMatchObject({ b: 2, c: 2 });
    expect(cheap?.verdict).toBe('inconclusive');
    expect(cheap?.casesNeeded).toBeGreaterThan(20);
    expect(evalExitCode(report)).toBe(4);
  });

  it('reports the exact McNemar p-value of 10 against 2', async () => {
    const models = resolverOf({
      strong: answering((index) => index >= 10 && index < 12),
      cheap: answering((index) => index < 10),
    });
    const report = await evaluate(planOf(specOf(), rows(40)), { store: new MemoryStore(), models });
    const cheap = report.variants.find((variant) => variant.id === 'cheap');
    expect(cheap?.comparison?.mcnemar?.b).toBe(10);
    expect(cheap?.comparison?.mcnemar?.c).toBe(2);
    expect(cheap?.comparison?.mcnemar?.p.toFixed(4)).toBe('0.0386');
  });

  it('makes no model call the second time and gives an equal report', async () => {
    const strong = answering(() => false);
    const cheap = answering((index) => index % 4 === 0);
    const judge = promptModel(() => JSON.stringify({ choice: 'good', reason: 'fine' }));
    const models = resolverOf({ strong, cheap, judge });
    const store = new MemoryStore();
    const spec = specOf({
      scorers: [
        { id: 'correct', type: 'equals' },
        {
          id: 'quality',
          type: 'judge',
          model: 'judge',
          rubric: 'Is it right?',
          choices: { good: 1, bad: 0 },
        },
      ],
    });
    const first = await evaluate(planOf(spec, rows(12)), { store, models });
    const calls = strong.count + cheap.count + judge.count;
    expect(calls).toBeGreaterThan(0);
    const second = await evaluate(planOf(spec, rows(12)), { store, models });
    expect(strong.count + cheap.count + judge.count).toBe(calls);
    expect(second).toEqual(first);
  });

  it('gives three independent answers for three repeats', async () => {
    let answers = 0;
    const strong = promptModel(() => `answer ${answers++}`);
    const models = resolverOf({ strong, cheap: strong });
    const report = await evaluate(planOf(specOf(), rows(2)), {
      store: new MemoryStore(),
      models,
      repeats: 3,
    });
    expect(report.cells).toHaveLength(12);
    expect(new Set(report.cells.map((cell) => cell.runId)).size).toBe(12);
    expect(strong.count).toBe(12);
  });

  it('writes JUnit whose failure count is the failed checks plus the failed verdicts', async () => {
    const models = resolverOf({ strong: answering(() => false), cheap: answering((index) => index < 30) });
    const report = await evaluate(planOf(specOf(), rows(200)), { store: new MemoryStore(), models });
    const xml = formatReportJunit(report);
    const failures = Number(/<testsuite [^>]*failures="(\d+)"/.exec(xml)?.[1]);
    const testcases = xml.match(/<testcase /g)?.length ?? 0;
    expect(failures).toBe(30 + 1);
    expect(xml.match(/<failure /g)?.length).toBe(failures);
    expect(testcases).toBe(400 + 1);
    expect(xml).toMatch(/^<\?xml version="1.0"/);
  });
});

describe('evaluate with a budget', () => {
  it('stops before the call that would cross the budget, then resumes where it stopped', async () => {
    const strong = answering(() => false);
    const cheap = answering(() => false);
    const models = resolverOf({ strong, cheap });
    const store = new MemoryStore();
    const plan = planOf(specOf(), rows(10));
    // A strong call costs about $0.00012 (100 input at $1/M, 10 output at $2/M); allow about four.
    const stopped = await evaluate(plan, { store, models, budgetUsd: 0.0005, concurrency: 1 });
    expect(stopped.stoppedByBudget).toBe(true);
    expect(stopped.costUsd).toBeLessThanOrEqual(0.0005);
    const made = strong.count + cheap.count;
    expect(made).toBeLessThan(20);
    const finished = await evaluate(plan, { store, models, concurrency: 1 });
    expect(finished.stoppedByBudget).toBe(false);
    expect(strong.count + cheap.count).toBe(20);
    expect(finished.cells.every((cell) => cell.status === 'succeeded')).toBe(true);
  });
});

describe('EvalBudget', () => {
  it('never grants more than is neither spent nor granted, however many runs are in flight', async () => {
    const { EvalBudget } = await import('../../src/eval/eval-budget.js');
    const budget = new EvalBudget(1, 4);
    const grants = [budget.grant(), budget.grant(), budget.grant(), budget.grant()];
    const total = grants.reduce((sum, grant) => sum + (grant.maxCostUsd ?? 0), 0);
    expect(total).toBeLessThanOrEqual(1);
    grants[0]?.settle(0.1, false);
    const next = budget.grant();
    const outstanding = grants.slice(1).reduce((sum, grant) => sum + (grant.maxCostUsd ?? 0), 0);
    expect(0.1 + outstanding + (next.maxCostUsd ?? 0)).toBeLessThanOrEqual(1 + 1e-12);
    next.settle(0, true);
    expect(budget.exhausted).toBe(true);
  });
});
