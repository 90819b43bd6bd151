import { computeValue } from '../expressions/render-template.js';
import type { LlmStep } from '../ir/step.js';
import type { StepContext, StepHandler } from '../runner/run-state.js';
import { validateOutput } from '../runner/validate-output.js';
import { callModel } from './call-model.js';
import { renderMessages, toModelMessages } from './conversation.js';

/**
 * `llm`: a prompt (after the earlier conversation of `messages`, if any) to text, or, with an
 * `output` schema, to an object checked against it. An invalid answer is sent back to the model with its issues (two repairs at most) before the step
 * fails with `OUTPUT_INVALID`.
 */
export const llmStep: StepHandler<LlmStep> = {
  leaf: true,
  async execute(step, context) {
    const prompt = await renderText(step.prompt, context);
    const system = step.system === undefined ? undefined : await renderText(step.system, context);
    const messages = await renderMessages(step.messages, context);
    context.setInput({
      ...(system === undefined ? {} : { system }),
      ...(messages.length ? { messages } : {}),
      prompt,
    });
    const { value, model, repairs, truncated } = await callModel(context, {
      model: step.model,
      system,
      prompt,
      history: toModelMessages(messages),
      onTruncate: step.onTruncate,
      schema: step.output,
      temperature: step.temperature,
      maxOutputTokens: step.maxOutputTokens,
      maxRepairs: step.maxRepairs,
      check: validatorOf(step, context),
    });
    const notes = [repairs > 0 ? `answer repaired ${repairs} time(s)` : undefined, truncated];
    const note = notes.filter(Boolean).join('; ');
    return note ? { output: value, model, checked: true, note } : { output: value, model, checked: true };
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
