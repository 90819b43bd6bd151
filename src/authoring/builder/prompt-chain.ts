import { z } from 'zod';
import { BatonError, type Workflow, type WorkflowDefinition } from '../../core/index.js';
import { WorkflowBuilder } from './workflow-builder.js';

export interface PromptChainOptions {
  /** Step ids, one per prompt; default `step1`, `step2`, ... */
  ids?: readonly string[];
  model?: string | string[];
  temperature?: number;
  maxOutputTokens?: number;
  description?: string;
}

/**
 * A serial chain from a list of prompts: step `i` sends prompt `i`, then `Input:` and the answer
 * of step `i - 1` (the first step gets the run input's `question`). The output is the last answer
 * and every answer in order. The prompts are data: load them from a file, or pick them per run.
 *
 * @example
 * ```ts
 * const chain = promptChain('sally', [
 *   'Given the math problem, ONLY extract any relevant numerical information.',
 *   'Given the steps, express the final answer to the problem.',
 * ]);
 * const result = await createBaton().run(chain, { input: { question: 'Sally earns $12 an hour...' } });
 * ```
 */
export function promptChain(
  name: string,
  prompts: readonly string[],
  options: PromptChainOptions = {},
): WorkflowDefinition & { workflow: Workflow } {
  if (prompts.length === 0) {
    throw new BatonError('WORKFLOW_INVALID', `Prompt chain "${name}" has no prompts.`, {
      hint: 'Pass at least one prompt.',
    });
  }
  const ids = prompts.map((_, index) => options.ids?.[index] ?? `step${index + 1}`);
  let builder = new WorkflowBuilder<{ question: string }, Record<string, string>>(name, {
    input: z.object({ question: z.string() }),
    ...(options.description === undefined ? {} : { description: options.description }),
  });
  prompts.forEach((prompt, index) => {
    const previous = ids[index - 1];
    builder = builder.llm(ids[index] ?? '', {
      ...(previous === undefined ? {} : { needs: [previous] }),
      ...(options.model === undefined ? {} : { model: options.model }),
      ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
      ...(options.maxOutputTokens === undefined ? {} : { maxOutputTokens: options.maxOutputTokens }),
      prompt: ({ input, steps }) =>
        `${prompt}\nInput:\n${previous === undefined ? input.question : steps[previous]}`,
    });
  });
  return builder
    .output(({ steps }) => ({ answer: steps[ids.at(-1) ?? ''], chain: ids.map((id) => steps[id]) }))
    .build();
}
