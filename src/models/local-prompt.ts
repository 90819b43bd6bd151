import type { LanguageModelV4Message, LanguageModelV4Prompt } from '@ai-sdk/provider';
import type { ChatHistoryItem } from 'node-llama-cpp';

/**
 * The prompt as plain text for a model without a chat template, which only continues text:
 * the messages in order, separated by blank lines, with the assistant's words last so the model
 * continues them.
 * @internal
 */
export function toCompletionText(prompt: LanguageModelV4Prompt): string {
  return prompt
    .map(messageText)
    .filter((text) => text !== '')
    .join('\n\n');
}

/**
 * The prompt as chat history for a model with a chat template. Tool results become user turns,
 * written out as text. The history ends with the model's turn, empty or
 * holding the assistant text the prompt already began (a prefill).
 * @internal
 */
export function toChatHistory(prompt: LanguageModelV4Prompt): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  for (const message of prompt) {
    const text = messageText(message);
    if (message.role === 'system') history.push({ type: 'system', text });
    else if (message.role === 'assistant') history.push({ type: 'model', response: [text] });
    else history.push({ type: 'user', text });
  }
  if (history.at(-1)?.type !== 'model') history.push({ type: 'model', response: [] });
  return history;
}

function messageText(message: LanguageModelV4Message): string {
  if (typeof message.content === 'string') return message.content;
  const parts: string[] = [];
  for (const part of message.content) {
    if (part.type === 'text') parts.push(part.text);
    else if (part.type === 'tool-call') parts.push(`Calling ${part.toolName}: ${JSON.stringify(part.input)}`);
    else if (part.type === 'tool-result')
      parts.push(`Result of ${part.toolName}: ${JSON.stringify(part.output)}`);
  }
  return parts.join('\n');
}
