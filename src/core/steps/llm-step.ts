import { computeValue } from '../expressions/render-template.js';
import type { LlmStep } from '../ir/step.js';
import type { StepContext, StepHandler } from '../runner/run-state.js';
import { callModel } from './call-model.js';

/** `llm`: a prompt to text, or to an object checked against the step's `output` schema. */
export const llmStep: StepHandler<LlmStep> = {
  leaf: true,
  async execute(step, context) {
    const prompt = await renderText(step.prompt, context);
    const system = step.system === undefined ? undefined : await renderText(step.system, context);
    context.setInput(system === undefined ? { prompt } : { system, prompt });
    const { value, model } = await callModel(context, {
      model: step.model,
      system,
      prompt,
      schema: step.output,
      temperature: step.temperature,
      maxOutputTokens: step.maxOutputTokens,
    });
    return { output: value, model };
  },
};

export async function renderText(value: LlmStep['prompt'], context: StepContext): Promise<string> {
  const rendered = await computeValue(value, context.scope, context.functions, {
    stepPath: context.path,
    asTemplate: true,
  });
  return typeof rendered === 'string' ? rendered : JSON.stringify(rendered);
}
