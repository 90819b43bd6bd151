import {
  createScriptedModel,
  type ScriptedCall,
  type ScriptedModel,
  type ScriptedResponse,
} from 'baton/testing';

/** What a scripted model was sent in one call: its step, prompt, system prompt and tool results. */
export type SentPrompt = ScriptedCall;

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
  return createScriptedModel({ match: answer }, options);
}
