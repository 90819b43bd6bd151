import type {
  LanguageModelV4Content,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
} from '@ai-sdk/provider';
import { type Clock, systemClock } from '../core/index.js';

/** Splits text into streamed chunks: a word with the spaces around it, so the chunks join back. */
export function wordChunks(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? [text];
}

/**
 * The stream parts a provider would send for a whole answer: text and reasoning a word at a
 * time, tool calls whole, then the finish with the usage.
 */
export function streamPartsOf(result: LanguageModelV4GenerateResult): LanguageModelV4StreamPart[] {
  const parts: LanguageModelV4StreamPart[] = [{ type: 'stream-start', warnings: result.warnings ?? [] }];
  if (result.response) parts.push({ type: 'response-metadata', ...result.response });
  for (const [index, part] of result.content.entries()) {
    const id = String(index);
    if (part.type === 'text' || part.type === 'reasoning') {
      parts.push({ type: `${part.type}-start`, id });
      for (const delta of wordChunks(part.text)) parts.push({ type: `${part.type}-delta`, id, delta });
      parts.push({ type: `${part.type}-end`, id });
    } else parts.push(part);
  }
  parts.push({ type: 'finish', usage: result.usage, finishReason: result.finishReason });
  return parts;
}

/**
 * The whole answer a stream carried, shaped as `doGenerate` returns it: deltas joined, the other
 * parts as they came. Undefined when the stream did not finish (it broke off or failed).
 */
export function resultOfStreamParts(
  parts: readonly LanguageModelV4StreamPart[],
): LanguageModelV4GenerateResult | undefined {
  const content: LanguageModelV4Content[] = [];
  const open = new Map<string, { type: 'text' | 'reasoning'; text: string }>();
  let warnings: LanguageModelV4GenerateResult['warnings'] = [];
  for (const part of parts) {
    if (part.type === 'stream-start') warnings = part.warnings;
    else if (part.type === 'text-start' || part.type === 'reasoning-start') {
      const entry = {
        type: part.type === 'text-start' ? ('text' as const) : ('reasoning' as const),
        text: '',
      };
      open.set(part.id, entry);
      content.push(entry);
    } else if (part.type === 'text-delta' || part.type === 'reasoning-delta') {
      const entry = open.get(part.id);
      if (entry) entry.text += part.delta;
    } else if (part.type === 'tool-call' || part.type === 'file' || part.type === 'source')
      content.push(part);
    else if (part.type === 'error') return undefined;
    else if (part.type === 'finish') {
      return { content, finishReason: part.finishReason, usage: part.usage, warnings };
    }
  }
  return undefined;
}

/**
 * A stream that sends `parts` one by one as the reader asks for them, waiting `chunkDelayMs`
 * before each text or reasoning delta; the signal aborts the wait.
 */
export function streamOfParts(
  parts: readonly LanguageModelV4StreamPart[],
  chunkDelayMs = 0,
  clock: Clock = systemClock,
  signal?: AbortSignal,
): ReadableStream<LanguageModelV4StreamPart> {
  const queue = [...parts];
  return new ReadableStream({
    async pull(controller) {
      const part = queue.shift();
      if (!part) return controller.close();
      if (chunkDelayMs > 0 && (part.type === 'text-delta' || part.type === 'reasoning-delta')) {
        await clock.sleep(chunkDelayMs, signal);
      }
      controller.enqueue(part);
    },
  });
}
