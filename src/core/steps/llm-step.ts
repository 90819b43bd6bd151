import { computeValue } from '../expressions/render-template.js';
import type { LlmStep } from '../ir/step.js';
import type { StepContext, StepHandler } from '../runner/run-state.js';
import { validateOutput } from '../runner/validate-output.js';
import { callModel } from './call-model.js';

/**
 * `llm`: a prompt to text, or, with an `output` schema, to an object checked against it. An
 * invalid answer is sent back to the model with its issues (two repairs at most) before the step
 * fails with `OUTPUT_INVALID`.
 */
export const llmStep: StepHandler<LlmStep> = {
  leaf: true,
  async execute(step, context) {
    const prompt = await renderText(step.prompt, context);
    const system = step.system === undefined ? undefined : await renderText(step.system, context);
    context.setInput(system === undefined ? { prompt } : { system, prompt });
    const { value, model, repairs } = await callModel(context, {
      model: step.model,
      system,
      prompt,
      schema: step.output,
      temperature: step.temperature,
      maxOutputTokens: step.maxOutputTokens,
      maxRepairs: step.maxRepairs,
      check: validatorOf(step, context),
    });
    return repairs > 0
      ? { output: value, model, checked: true, note: `answer repaired ${repairs} time(s)` }
      : { output: value, model, checked: true };
  },
};

/** The step's `validate` as a check of a model's answer, whose messages become a repair. */
export function validatorOf(
  step: Pick<LlmStep, 'validate'>,
  context: StepContext,
): ((value: unknown) => Promise<string[]>) | undefined {
  const validate = step.validate;
  if (validate === undefined) return undefined;
  return (value) => validateOutput(validate, value, context.scope, context.expressions);
}

export async function renderText(value: LlmStep['prompt'], context: StepContext): Promise<string> {
  const rendered = await computeValue(value, context.scope, { ...context.expressions, asTemplate: true });
  return typeof rendered === 'string' ? rendered : JSON.stringify(rendered);
}
