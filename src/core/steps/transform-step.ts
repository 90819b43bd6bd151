import { callFunction } from '../expressions/evaluate-expression.js';
import { computeValue } from '../expressions/render-template.js';
import type { TransformStep } from '../ir/step.js';
import { createCodeContext } from '../runner/code-context.js';
import { PauseSignal } from '../runner/pause.js';
import type { StepHandler, StepOutcome } from '../runner/run-state.js';

/**
 * `transform`: a JSONata expression or a TypeScript function over the scope. A function also gets
 * a context (`ctx.interrupt`, `ctx.once`, `ctx.generate`); one that asks a question suspends the
 * step until it is answered.
 */
export const transformStep: StepHandler<TransformStep> = {
  leaf: true,
  async execute(step, context) {
    try {
      // A function is called straight away; only an expression needs the evaluation context.
      if (typeof step.value !== 'string') {
        const { functions, stepPath } = context.expressions;
        const code = createCodeContext(context);
        return {
          output: await callFunction(functions ?? {}, step.value.function, context.scope, stepPath, code),
        };
      }
      const output = await computeValue(step.value, context.scope, {
        ...context.expressions,
        asTemplate: false,
      });
      return { output };
    } catch (thrown) {
      return waitingOn(thrown);
    }
  },
};

/** A step that asked a question waits for its answer; any other error is the step's failure. */
export function waitingOn(thrown: unknown): StepOutcome {
  if (!(thrown instanceof PauseSignal)) throw thrown;
  const { question } = thrown;
  return { output: undefined, waiting: { paths: [question.path], questions: [question] } };
}
