import { BatonError } from '../errors.js';
import { computeValue, type TemplateContext } from '../expressions/render-template.js';
import type { Computed } from '../ir/step.js';

/**
 * Runs a step's `validate` over an output: a JSONata expression or a registered function, with
 * `output` in scope. `true` (or an empty list) passes; a message, a list of messages or `false`
 * fails. Returns the messages, none when the output passes.
 */
export async function validateOutput(
  validate: Computed,
  output: unknown,
  scope: Record<string, unknown>,
  context: TemplateContext & { stepPath: string },
): Promise<string[]> {
  const verdict = await computeValue(
    validate,
    { ...scope, output },
    { stepPath: context.stepPath, functions: context.functions, asTemplate: false },
  );
  // A function that returns nothing passes; an expression that yields nothing read a wrong name.
  if (verdict === true || (verdict === undefined && typeof validate !== 'string')) return [];
  if (verdict === undefined) return ['`validate` gave nothing; check the names it reads'];
  if (verdict === false) return ['the output did not pass `validate`'];
  if (typeof verdict === 'string') return verdict === '' ? [] : [verdict];
  if (Array.isArray(verdict)) return verdict.map(String).filter((message) => message !== '');
  return [`\`validate\` gave ${JSON.stringify(verdict)}; it must give true or a message`];
}

/** `OUTPUT_INVALID` for an output its `validate` refused; keeps the output and the messages. */
export function refusedOutput(stepPath: string, messages: string[], value: unknown): BatonError {
  return new BatonError(
    'OUTPUT_INVALID',
    `Output of step "${stepPath}" failed its validation: ${messages.join('; ')}`,
    {
      stepPath,
      details: { issues: messages.map((message) => ({ path: '(root)', message })), value },
      hint: 'Fix the step so its output passes `validate`, or route the failure with `onError`.',
    },
  );
}
