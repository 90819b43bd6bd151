import type { ModelMessage } from 'ai';
import { z } from 'zod';
import { BatonError } from '../errors.js';
import { evaluateExpression } from '../expressions/evaluate-expression.js';
import { renderMapping, renderTemplate } from '../expressions/render-template.js';
import type { LlmStep } from '../ir/step.js';
import type { StepContext } from '../runner/run-state.js';

const MessageSchema = z
  .object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })
  .strict();

/** A message of an earlier conversation, as `messages:` gives it. */
export type ConversationMessage = z.infer<typeof MessageSchema>;

/**
 * The `messages:` of an llm or agent step: a list of `{ role, content }` (contents may be
 * templates) or an expression giving one, checked before anything is sent. A bad message fails
 * the step with `INPUT_INVALID` naming its index and field.
 */
export async function renderMessages(
  messages: LlmStep['messages'],
  context: StepContext,
): Promise<ConversationMessage[]> {
  if (messages === undefined) return [];
  const options = { stepPath: context.path, functions: context.functions };
  const value =
    typeof messages === 'string'
      ? messages.includes('{{')
        ? await renderTemplate(messages, context.scope, options)
        : await evaluateExpression(messages, context.scope, options)
      : await renderMapping(messages, context.scope, options);
  const parsed = z.array(MessageSchema).safeParse(value ?? []);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => {
    const [index, ...rest] = issue.path.map(String);
    const at =
      index === undefined ? 'messages' : `messages[${index}]${rest.map((key) => `.${key}`).join('')}`;
    return `${at}: ${issue.message}`;
  });
  throw new BatonError(
    'INPUT_INVALID',
    `The messages of step "${context.path}" are invalid: ${issues.join('; ')}`,
    {
      stepPath: context.path,
      hint: 'Give `messages` as a list of { role: system | user | assistant, content: text }.',
      details: { messages: value, issues },
    },
  );
}

/** The conversation as the model gets it. */
export function toModelMessages(messages: ConversationMessage[]): ModelMessage[] {
  return messages.map((message) => ({ ...message }) as ModelMessage);
}
