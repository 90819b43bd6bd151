import { createHash } from 'node:crypto';
import { canonicalJson, type Engine, type Store, type Workflow } from '../core/index.js';
import type { EvalBudget } from './eval-budget.js';
import type { DatasetRow, Scorer } from './eval-file.js';
import { runOrReuse } from './run-or-reuse.js';
import type { Score } from './score-cell.js';

type JudgeScorer = Extract<Scorer, { type: 'judge' }>;
type PairwiseScorer = Extract<Scorer, { type: 'pairwise' }>;

/** A judge call's outcome: its journaled run and what it cost. */
export interface JudgeCall {
  runId: string;
  costUsd: number;
  tokens: number;
}

/** A pairwise comparison of a variant's answer with the baseline's, asked in both orders. */
export interface PairwiseOutcome {
  /** 1 the variant wins, 0 it loses, 0.5 a tie (including orders that disagree). */
  score: Score;
  /** True when the two orders disagreed: position bias, counted as a tie. */
  flipped: boolean;
  calls: JudgeCall[];
}

/**
 * Asks a judge to grade one answer against a rubric. The judge answers `{ choice, reason }` at
 * temperature 0 with no repair turn: a reply that does not parse is unscored, never scored 0.
 */
export async function judgeAnswer(
  services: { engine: Engine; store: Store; budget?: EvalBudget },
  scorer: JudgeScorer,
  model: string,
  row: DatasetRow,
  answer: unknown,
): Promise<{ score: Score; call: JudgeCall }> {
  const choices = Object.keys(scorer.choices);
  const prompt = [
    `Rubric:\n${scorer.rubric}`,
    `Input:\n${text(row.input)}`,
    ...(row.expected === undefined ? [] : [`Reference answer:\n${text(row.expected)}`]),
    `Answer to grade:\n${text(answer)}`,
    `Reply with JSON { "choice": one of ${choices.map((choice) => JSON.stringify(choice)).join(', ')}, "reason": "..." }.`,
  ].join('\n\n');
  const { output, call } = await ask(services, judgeWorkflow(scorer.id, model, choices), prompt);
  if (output === undefined) return { score: { unscored: `judge reply unusable (${call.runId})` }, call };
  const value = scorer.choices[output.choice] ?? 0;
  return { score: { value, pass: value >= 0.5 }, call };
}

/**
 * Compares a variant's answer with the baseline's, in both orders. A win counts only where both
 * orders agree; otherwise it is a tie, and a disagreement is counted as a flip.
 */
export async function judgePair(
  services: { engine: Engine; store: Store; budget?: EvalBudget },
  scorer: PairwiseScorer,
  model: string,
  row: DatasetRow,
  variantAnswer: unknown,
  baselineAnswer: unknown,
): Promise<PairwiseOutcome> {
  // The same answer cannot be better than itself: a tie, with no judge call.
  if (canonicalJson(variantAnswer) === canonicalJson(baselineAnswer)) {
    return { score: { value: 0.5, pass: false }, flipped: false, calls: [] };
  }
  const workflow = judgeWorkflow(scorer.id, model, ['1', '2', 'tie']);
  const promptFor = (first: unknown, second: unknown) =>
    [
      `Rubric:\n${scorer.rubric}`,
      `Input:\n${text(row.input)}`,
      `Answer 1:\n${text(first)}`,
      `Answer 2:\n${text(second)}`,
      'Which answer is better by the rubric? Reply with JSON { "choice": "1", "2" or "tie", "reason": "..." }.',
    ].join('\n\n');
  const [forward, backward] = await Promise.all([
    ask(services, workflow, promptFor(variantAnswer, baselineAnswer)),
    ask(services, workflow, promptFor(baselineAnswer, variantAnswer)),
  ]);
  const calls = [forward.call, backward.call];
  if (forward.output === undefined || backward.output === undefined) {
    return { score: { unscored: 'judge reply unusable' }, flipped: false, calls };
  }
  // Read both replies as "does the variant win": in the second order the variant is answer 2.
  const first = forward.output.choice === '1' ? 1 : forward.output.choice === '2' ? 0 : 0.5;
  const second = backward.output.choice === '2' ? 1 : backward.output.choice === '1' ? 0 : 0.5;
  const agreed = first === second;
  const flipped = first !== 0.5 && second !== 0.5 && !agreed;
  const value = agreed ? first : 0.5;
  return { score: { value, pass: value > 0.5 }, flipped, calls };
}

function judgeWorkflow(id: string, model: string, choices: string[]): Workflow {
  return {
    name: `judge:${id}`,
    input: { type: 'object', properties: { prompt: { type: 'string' } }, required: ['prompt'] },
    steps: [
      {
        id: 'judge',
        kind: 'llm',
        model,
        temperature: 0,
        maxRepairs: 0,
        system: 'You are a strict, impartial grader. Judge only by the rubric.',
        prompt: '{{ input.prompt }}',
        output: {
          type: 'object',
          properties: { choice: { type: 'string', enum: choices }, reason: { type: 'string' } },
          required: ['choice', 'reason'],
        },
      },
    ],
    output: '{{ steps.judge }}',
  } as Workflow;
}

// A judge run's id is a hash of what it was asked: asking again reuses the journaled answer.
async function ask(
  services: { engine: Engine; store: Store; budget?: EvalBudget },
  workflow: Workflow,
  prompt: string,
): Promise<{ output: { choice: string; reason: string } | undefined; call: JudgeCall }> {
  const runId = `judge_${createHash('sha256').update(canonicalJson({ workflow, prompt })).digest('hex').slice(0, 24)}`;
  const grant = services.budget?.grant();
  const result = await runOrReuse(services, { workflow, functions: {} }, runId, {
    input: { prompt },
    ...(grant?.maxCostUsd === undefined ? {} : { budget: { maxCostUsd: grant.maxCostUsd } }),
  });
  grant?.settle(result.costUsd, result.error?.code === 'BUDGET_EXCEEDED');
  const call = {
    runId,
    costUsd: result.costUsd,
    tokens: result.usage.inputTokens + result.usage.outputTokens,
  };
  const output =
    result.status === 'succeeded' ? (result.output as { choice: string; reason: string }) : undefined;
  return { output, call };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}
