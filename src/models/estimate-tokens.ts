import type { LanguageModelV4CallOptions, LanguageModelV4Prompt } from '@ai-sdk/provider';

/**
 * A rough token count for text: about four characters a token for English with the usual
 * tokenizers. Used where an estimate is enough (rate limits before a call, mock usage).
 *
 * @example
 * ```ts
 * estimateTokens('Summarize this article in three bullet points.'); // 12
 * ```
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The text of a prompt as one string: system, user, assistant and tool content in order. */
export function promptText(prompt: LanguageModelV4Prompt): string {
  const parts: string[] = [];
  for (const message of prompt) {
    if (typeof message.content === 'string') {
      parts.push(message.content);
      continue;
    }
    for (const part of message.content) {
      if (part.type === 'text' || part.type === 'reasoning') parts.push(part.text);
      else if (part.type === 'tool-call') parts.push(JSON.stringify(part.input ?? null));
      else if (part.type === 'tool-result') parts.push(JSON.stringify(part.output));
    }
  }
  return parts.join('\n');
}

/**
 * The tokens a call may use, as providers count them against a tokens-per-minute limit: the
 * prompt (with tool definitions) plus the output it may produce.
 */
export function estimateCallTokens(options: LanguageModelV4CallOptions): number {
  const tools = options.tools ? JSON.stringify(options.tools) : '';
  return estimateTokens(promptText(options.prompt) + tools) + (options.maxOutputTokens ?? 0);
}
