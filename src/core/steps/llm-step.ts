import { computeValue } from '../expressions/render-template.js';
import type { LlmStep } from '../ir/step.js';
import type { StepContext, StepHandler } from '../runner/run-state.js';
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
    });
    return repairs > 0
      ? { output: value, model, note: `answer repaired ${repairs} time(s)` }
      : { output: value, model };
  },
};

export async function renderText(value: LlmStep['prompt'], context: StepContext): Promise<string> {
  const rendered = await computeValue(value, context.scope, { ...context.expressions, asTemplate: true });
  return typeof rendered === 'string' ? rendered : JSON.stringify(rendered);
}
