import { describe, expect, it } from 'vitest';
import type { Workflow } from '../../src/core/index.js';
import { evalExitCode } from '../../src/eval/format-report.js';
import { evaluate } from '../../src/eval/run-eval.js';
import { MemoryStore } from '../../src/store/memory/memory-store.js';
import { answering, planOf, promptModel, resolverOf, rows, specOf } from './eval-fixtures.js';

const judged = (garbage: (index: number) => boolean) =>
  promptModel((prompt) => {
    const index = Number(/q(\d+)/.exec(prompt)?.[1] ?? -1);
    return garbage(index) ? 'I think it is fine?' : JSON.stringify({ choice: 'good', reason: 'right' });
  });

const judgeSpec = specOf({
  scorers: [
    { id: 'quality', type: 'judge', model: 'judge', rubric: 'Is it right?', choices: { good: 1, bad: 0 } },
  ],
  primary: 'quality',
});

describe('judges', () => {
  it('counts replies that do not parse as unscored and leaves them out', async () => {
    // Garbage for 5 of 100 cases, on the variant's answers only (the judge sees the answer text).
    const judge = promptModel((prompt) =>
      /Answer to grade:\nwrong/.test(prompt)
        ? 'no JSON here'
        : JSON.stringify({ choice: 'good', reason: 'ok' }),
    );
    const models = resolverOf({
      strong: answering(() => false),
      cheap: answering((index) => index < 5),
      judge,
    });
    const report = await evaluate(planOf(judgeSpec, rows(100)), { store: new MemoryStore(), models });
    const cheap = report.variants.find((variant) => variant.id === 'cheap');
    expect(cheap?.unscored).toBe(5);
    expect(cheap?.means.quality).toBe(100);
    expect(cheap?.comparison?.pairedCases).toBe(95);
    expect(cheap?.verdict).toBe('non-inferior, no measurable degradation');
  });

  it('makes the verdict inconclusive when more than 5% of replies are unscored', async () => {
    const judge = promptModel((prompt) =>
      /Answer to grade:\nwrong/.test(prompt)
        ? 'no JSON here'
        : JSON.stringify({ choice: 'good', reason: 'ok' }),
    );
    const models = resolverOf({
      strong: answering(() => false),
      cheap: answering((index) => index < 12),
      judge,
    });
    const report = await evaluate(planOf(judgeSpec, rows(100)), { store: new MemoryStore(), models });
    const cheap = report.variants.find((variant) => variant.id === 'cheap');
    expect(cheap?.unscored).toBe(12);
    expect(cheap?.verdict).toBe('inconclusive');
    expect(cheap?.inconclusiveReason).toContain('12.0% of cells are unscored');
    expect(evalExitCode(report)).toBe(4);
  });

  it('skips the judge for a case that failed a deterministic check', async () => {
    const judge = judged(() => false);
    const models = resolverOf({
      strong: answering(() => false),
      cheap: answering((index) => index < 3),
      judge,
    });
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
    await evaluate(planOf(spec, rows(10)), { store: new MemoryStore(), models });
    // 10 distinct answers are judged (the 7 right answers of the cheap route equal the baseline's
    // and reuse their journaled judgement); the 3 wrong ones are never judged.
    expect(judge.count).toBe(10);
  });

  it('counts a pairwise win only when both orders agree and reports position bias as flips', async () => {
    // This judge always prefers the answer shown first.
    const judge = promptModel(() => JSON.stringify({ choice: '1', reason: 'first is better' }));
    const models = resolverOf({ strong: answering(() => false), cheap: answering(() => true), judge });
    const spec = specOf({
      scorers: [{ id: 'preferred', type: 'pairwise', model: 'judge', rubric: 'Which is better?' }],
      primary: 'preferred',
    });
    const report = await evaluate(planOf(spec, rows(10)), { store: new MemoryStore(), models });
    const cheap = report.variants.find((variant) => variant.id === 'cheap');
    expect(cheap?.flipRate).toBe(1);
    expect(
      report.cells.filter((cell) => cell.variant === 'cheap').map((cell) => cell.scores.preferred),
    ).toEqual(Array(10).fill({ value: 0.5, pass: false }));
    expect(cheap?.comparison?.mean).toBe(0);
    expect(judge.count).toBe(20);
  });

  it('counts a win where the judge prefers the variant in both orders', async () => {
    const judge = promptModel((prompt) => {
      const first = /Answer 1:\n(\S+)/.exec(prompt)?.[1] ?? '';
      return JSON.stringify({ choice: first.startsWith('right') ? '1' : '2', reason: 'right beats wrong' });
    });
    const models = resolverOf({
      strong: answering((index) => index < 4),
      cheap: answering(() => false),
      judge,
    });
    const spec = specOf({
      scorers: [{ id: 'preferred', type: 'pairwise', model: 'judge', rubric: 'Which is right?' }],
      primary: 'preferred',
    });
    const report = await evaluate(planOf(spec, rows(10)), { store: new MemoryStore(), models });
    const cheap = report.variants.find((variant) => variant.id === 'cheap');
    expect(cheap?.flipRate).toBe(0);
    // 4 wins (+100 each), 6 ties (0): mean +40.
    expect(cheap?.comparison?.mean).toBe(40);
  });
});

describe('step mode and approvals', () => {
  it('calls only the model of the step under test, with upstream outputs from the row', async () => {
    const upstream = promptModel(() => 'never');
    const strong = promptModel((prompt) => `summary of ${prompt}`);
    const workflow = {
      name: 'two-steps',
      input: { type: 'object', properties: { q: { type: 'string' } } },
      steps: [
        { id: 'draft', kind: 'llm', model: 'up', prompt: '{{ input.q }}' },
        { id: 'summary', kind: 'llm', model: 'm', prompt: 'Summarise {{ steps.draft }}' },
      ],
    } as Workflow;
    const spec = specOf({
      step: 'summary',
      scorers: [{ id: 'mentions', type: 'contains', value: 'the draft' }],
      primary: 'mentions',
    });
    const dataset = [{ id: 'a', input: { q: 'x' }, steps: { draft: 'the draft text' } }];
    const models = resolverOf({ up: upstream, strong, cheap: strong });
    const report = await evaluate(planOf(spec, dataset, workflow), { store: new MemoryStore(), models });
    expect(upstream.count).toBe(0);
    expect(strong.count).toBe(2);
    expect(report.variants.every((variant) => variant.passRate === 1)).toBe(true);
  });

  it('decides approval steps from the row so a case never waits', async () => {
    const strong = promptModel(() => 'draft text');
    const workflow = {
      name: 'approved',
      input: { type: 'object', properties: { q: { type: 'string' } } },
      steps: [
        { id: 'draft', kind: 'llm', model: 'm', prompt: '{{ input.q }}' },
        { id: 'review', kind: 'approval', subject: '{{ steps.draft }}' },
      ],
      output: '{{ steps.review }}',
    } as Workflow;
    const spec = specOf({ scorers: [{ id: 'edited', type: 'equals' }], primary: 'edited' });
    const dataset = [
      { id: 'a', input: { q: 'x' }, expected: 'draft text', approvals: { review: 'approve' as const } },
      { id: 'b', input: { q: 'y' }, expected: 'better text', approvals: { review: { edit: 'better text' } } },
    ];
    const models = resolverOf({ strong, cheap: strong });
    const report = await evaluate(planOf(spec, dataset, workflow), { store: new MemoryStore(), models });
    expect(report.cells.map((cell) => cell.status)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    expect(report.variants[0]?.passRate).toBe(1);
  });
});
