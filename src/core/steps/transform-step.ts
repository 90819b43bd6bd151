import { computeValue } from '../expressions/render-template.js';
import type { TransformStep } from '../ir/step.js';
import type { StepHandler } from '../runner/run-state.js';

/** `transform`: a JSONata expression or a TypeScript function over the scope. */
export const transformStep: StepHandler<TransformStep> = {
  leaf: true,
  async execute(step, context) {
    const output = await computeValue(step.value, context.scope, {
      ...context.expressions,
      asTemplate: false,
    });
    return { output };
  },
};
