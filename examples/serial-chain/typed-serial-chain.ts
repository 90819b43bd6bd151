import { workflow } from 'baton';
import { z } from 'zod';

/** The prompts of the chain, in order: each step gets one of them and the previous answer. */
export const promptChain = [
  'Given the math problem, ONLY extract any relevant numerical information and how it can be used.',
  'Given the numerical information extracted, ONLY express the steps you would take to solve the problem.',
  'Given the steps, express the final answer to the problem.',
] as const;

/** One link of the chain: the instruction, then what the previous link produced. */
const link = (prompt: string, previous: string) => `${prompt}\nInput:\n${previous}`;

/**
 * The serial chain written with the typed builder. Each step lists the step it reads in `needs`;
 * its prompt function then sees exactly that step's output, typed (a string here), and nothing
 * else: reading `steps.answer` from `plan` would not compile.
 *
 * @example
 * ```ts
 * const result = await createBaton({ models: { default: model } }).run(serialChain, {
 *   input: { question: 'Sally earns $12 an hour for babysitting...' },
 * });
 * ```
 */
export const serialChain = workflow('serial-chain-typed', {
  description: 'Solve a word problem with a chain of three focused model calls.',
  input: z.object({ question: z.string().describe('The math word problem to solve.') }),
})
  .llm('extract', { temperature: 0.7, prompt: ({ input }) => link(promptChain[0], input.question) })
  .llm('plan', {
    needs: ['extract'],
    temperature: 0.7,
    prompt: ({ steps }) => link(promptChain[1], steps.extract),
  })
  .llm('answer', {
    needs: ['plan'],
    temperature: 0.7,
    prompt: ({ steps }) => link(promptChain[2], steps.plan),
  })
  .output(({ steps }) => ({ answer: steps.answer, chain: [steps.extract, steps.plan, steps.answer] }))
  .build();
