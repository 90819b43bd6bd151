import type { LanguageModelV4Message } from '@ai-sdk/provider';
import { createScriptedModel, type ScriptedModel, type ScriptedResponse } from 'baton/testing';

/** What a scripted model was sent in one call, flattened so an answer can be chosen from it. */
export interface SentPrompt {
  /** The system prompt (with anything Baton added to it), or ''. */
  system: string;
  /** The text of the first user message: the step's rendered prompt. */
  prompt: string;
  /** The results of the tool calls made so far in this conversation, in order. */
  toolResults: Array<{ toolName: string; output: unknown }>;
  /** The number of this call to the model, from 0. */
  call: number;
}

/**
 * A scripted model that chooses each answer from the prompt it was sent, so a test does not
 * depend on the order in which parallel steps happen to call the model.
 *
 * @example
 * ```ts
 * const model = answerByPrompt(({ prompt }) =>
 *   prompt.includes('sentiment') ? 'slow shipping | negative' : 'Thank you for your feedback.',
 * );
 * const baton = createBaton({ models: { default: model } });
 * ```
 */
export function answerByPrompt(
  answer: (sent: SentPrompt) => ScriptedResponse,
  options: { modelId?: string; provider?: string } = {},
): ScriptedModel {
  const model: ScriptedModel = createScriptedModel((call) => {
    const messages = (model.calls[call]?.prompt ?? []) as LanguageModelV4Message[];
    return answer({ ...readMessages(messages), call });
  }, options);
  return model;
}

function readMessages(messages: LanguageModelV4Message[]): Omit<SentPrompt, 'call'> {
  let system = '';
  let prompt: string | undefined;
  const toolResults: SentPrompt['toolResults'] = [];
  for (const message of messages) {
    if (message.role === 'system') system = message.content;
    else if (message.role === 'user' && prompt === undefined) {
      prompt = message.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
    } else if (message.role === 'tool') {
      for (const part of message.content) {
        if (part.type !== 'tool-result') continue;
        const output = part.output;
        toolResults.push({
          toolName: part.toolName,
          output: output.type === 'json' || output.type === 'text' ? output.value : output,
        });
      }
    }
  }
  return { system, prompt: prompt ?? '', toolResults };
}
