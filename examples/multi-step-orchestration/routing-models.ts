/**
 * Offline models for routing.eval.yaml: a "strong" and a "cheap" model that differ in price and
 * in how often they classify a document right. Both know the dataset's labels; the cheap one
 * makes two mistakes a small model plausibly makes (a letter that mentions an invoice, meeting
 * notes read as correspondence). Everything else they write is plain text derived from the
 * prompt, and usage is about one token per four characters, so the eval's cost figures come from
 * real runs of the engine.
 */
import { readFileSync } from 'node:fs';
import type { LanguageModelV4CallOptions, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import { simulateReadableStream } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';

const labels = new Map(
  readFileSync(new URL('./routing-cases.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { input: { document: string }; expected: { kind: string } })
    .map((row) => [row.input.document, row.expected.kind] as const),
);

function promptOf(options: LanguageModelV4CallOptions): string {
  return options.prompt
    .flatMap((message) =>
      typeof message.content === 'string'
        ? [message.content]
        : message.content.map((part) => (part.type === 'text' ? part.text : '')),
    )
    .join('\n');
}

function classify(prompt: string, cheap: boolean): string {
  const document = [...labels.keys()].find((text) => prompt.includes(text)) ?? '';
  const kind = labels.get(document) ?? 'other';
  if (cheap && /invoice/i.test(document) && kind === 'correspondence') return 'invoice';
  if (cheap && document.startsWith('Meeting notes')) return 'correspondence';
  return kind;
}

function createModel(name: 'strong' | 'cheap') {
  return new MockLanguageModelV4({
    provider: 'example',
    modelId: name,
    doStream: async (options) => {
      const prompt = promptOf(options);
      const text = prompt.includes('What kind of document is this')
        ? JSON.stringify({ kind: classify(prompt, name === 'cheap') })
        : `${name} model notes on the document: ${prompt.slice(0, 120).replaceAll('\n', ' ')}`;
      const inputTokens = Math.ceil(prompt.length / 4);
      const outputTokens = Math.ceil(text.length / 4);
      // Baton streams every model call: the answer in a text part, then the finish with usage.
      const parts: LanguageModelV4StreamPart[] = [
        { type: 'stream-start', warnings: [] },
        { type: 'text-start', id: 't' },
        { type: 'text-delta', id: 't', delta: text },
        { type: 'text-end', id: 't' },
        {
          type: 'finish',
          finishReason: { unified: 'stop', raw: undefined },
          usage: {
            inputTokens: { total: inputTokens, noCache: inputTokens, cacheRead: 0, cacheWrite: undefined },
            outputTokens: { total: outputTokens, text: outputTokens, reasoning: undefined },
          },
        },
      ];
      return { stream: simulateReadableStream({ chunks: parts }) };
    },
  });
}

/** Models by name, with prices in US dollars per million tokens. */
export const models = {
  strong: { model: createModel('strong'), pricing: { inputPerMillion: 3, outputPerMillion: 15 } },
  cheap: { model: createModel('cheap'), pricing: { inputPerMillion: 0.15, outputPerMillion: 0.6 } },
};
