import type { LanguageModelV4, LanguageModelV4GenerateResult } from '@ai-sdk/provider';
import { MockLanguageModelV4 } from 'ai/test';
import { fromModels } from '../../src/baton.js';
import type { Workflow } from '../../src/core/index.js';
import type { DatasetRow, EvalFile } from '../../src/eval/eval-file.js';
import type { EvalPlan } from '../../src/eval/run-eval.js';
import { variantWorkflows } from '../../src/eval/run-eval.js';
import { streamOfParts, streamPartsOf } from '../../src/models/stream-parts.js';

/** A model that answers from the text of the last user message; counts its calls. */
export function promptModel(answer: (prompt: string) => string): LanguageModelV4 & { count: number } {
  const model = new MockLanguageModelV4({
    provider: 'test',
    modelId: 'prompt',
    doStream: async (options) => {
      counter.count++;
      const last = [...options.prompt].reverse().find((message) => message.role === 'user');
      const text =
        last && Array.isArray(last.content)
          ? last.content.map((part) => (part.type === 'text' ? part.text : '')).join('')
          : '';
      const result: LanguageModelV4GenerateResult = {
        content: [{ type: 'text', text: answer(text) }],
        finishReason: { unified: 'stop', raw: undefined },
        usage: {
          inputTokens: { total: 100, noCache: 100, cacheRead: 0, cacheWrite: undefined },
          outputTokens: { total: 10, text: 10, reasoning: undefined },
        },
        warnings: [],
      };
      return { stream: streamOfParts(streamPartsOf(result)) };
    },
  });
  const counter = Object.assign(model, { count: 0 });
  return counter;
}

export const answerWorkflow: Workflow = {
  name: 'answer',
  input: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] },
  steps: [{ id: 'answer', kind: 'llm', model: 'm', prompt: '{{ input.q }}' }],
  output: '{{ steps.answer }}',
} as Workflow;

/** Rows `case-0` … whose expected answer is `right-<n>`. */
export function rows(count: number): DatasetRow[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `case-${index}`,
    input: { q: `q${index}` },
    expected: `right-${index}`,
  }));
}

/** Answers `right-<n>` to `q<n>`, except for the cases listed, where it answers `wrong`. */
export function answering(wrong: (index: number) => boolean) {
  return promptModel((prompt) => {
    const index = Number(/q(\d+)/.exec(prompt)?.[1] ?? -1);
    return wrong(index) ? 'wrong' : `right-${index}`;
  });
}

export function specOf(overrides: Partial<EvalFile> = {}): EvalFile {
  return {
    name: 'test-eval',
    workflow: 'answer.yaml',
    dataset: 'rows.jsonl',
    variants: [
      { id: 'strong', baseline: true, models: { m: 'strong' } },
      { id: 'cheap', models: { m: 'cheap' } },
    ],
    scorers: [{ id: 'correct', type: 'equals' }],
    primary: 'correct',
    margin: 10,
    ...overrides,
  };
}

export function planOf(spec: EvalFile, dataset: DatasetRow[], workflow: Workflow = answerWorkflow): EvalPlan {
  return { spec, rows: dataset, workflows: variantWorkflows(spec, workflow) };
}

export function resolverOf(models: Record<string, LanguageModelV4>) {
  return fromModels(
    Object.fromEntries(
      Object.entries(models).map(([name, model]) => [
        name,
        { model, pricing: { inputPerMillion: name === 'cheap' ? 0.1 : 1, outputPerMillion: 2 } },
      ]),
    ),
  );
}
