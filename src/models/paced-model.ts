import type { LanguageModelV4, LanguageModelV4StreamPart } from '@ai-sdk/provider';
import type { Clock } from '../core/index.js';

/**
 * Spaces the text of a model's answers by `tokenMs` per streamed piece, as a real model's words
 * arrive: `mock:writer?tokenMs=50`. A streamed answer waits before each text delta; a whole
 * answer waits as long in all. For demos and live views; the answers themselves are unchanged.
 *
 * @example
 * ```ts
 * const model = pacedModel(createMockModel({ name: 'writer' }), 50, systemClock);
 * ```
 */
export function pacedModel(model: LanguageModelV4, tokenMs: number, clock: Clock): LanguageModelV4 {
  if (tokenMs <= 0) return model;
  return {
    ...model,
    async doGenerate(call) {
      const result = await model.doGenerate(call);
      const pieces = result.content.reduce(
        (count, part) => count + (part.type === 'text' ? (part.text.match(/\S+\s*/g)?.length ?? 0) : 0),
        0,
      );
      await clock.sleep(tokenMs * pieces, call.abortSignal);
      return result;
    },
    async doStream(call) {
      const result = await model.doStream(call);
      const paced = result.stream.pipeThrough(
        new TransformStream<LanguageModelV4StreamPart, LanguageModelV4StreamPart>({
          async transform(part, controller) {
            if (part.type === 'text-delta') await clock.sleep(tokenMs, call.abortSignal);
            controller.enqueue(part);
          },
        }),
      );
      return { ...result, stream: paced };
    },
  };
}
