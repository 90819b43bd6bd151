import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
} from '@ai-sdk/provider';
import { BatonError, type ModelResolver, type ResolvedModel } from '../../core/index.js';
import { resultOfStreamParts, streamOfParts, streamPartsOf } from '../../models/stream-parts.js';
import { type Cassette, hashModelRequest } from './cassette.js';

/**
 * Wraps a resolver so every model call is written to `cassette` (request and answer) as it
 * happens. The models answer as they would without it.
 *
 * @example
 * ```ts
 * const cassette: Cassette = { version: 1, models: {}, calls: [] };
 * const models = recordingResolver(resolver, cassette);
 * await createBaton({ models }).run(definition);
 * writeCassette('run.cassette.json', cassette);
 * ```
 */
export function recordingResolver(inner: ModelResolver, cassette: Cassette): ModelResolver {
  const chainOf = inner.aliasChain?.bind(inner);
  return {
    ...(chainOf
      ? {
          aliasChain(name: string | undefined) {
            const chain = chainOf(name);
            cassette.chains = { ...cassette.chains, [name ?? '']: chain };
            return chain;
          },
        }
      : {}),
    resolve(name, stepPath, hooks) {
      const resolved = inner.resolve(name, stepPath, hooks);
      cassette.models[name ?? ''] = resolved.pricing
        ? { id: resolved.id, pricing: resolved.pricing }
        : { id: resolved.id };
      const model = resolved.model;
      if (typeof model === 'string') {
        throw new BatonError(
          'MODEL_NOT_FOUND',
          `Model "${model}" of step "${stepPath}" is a plain id and cannot be recorded.`,
          {
            stepPath,
            hint: 'Configure the model through a provider (baton.config.yaml or --model alias=provider:model).',
          },
        );
      }
      const inner4 = model as LanguageModelV4;
      const record = (
        options: LanguageModelV4CallOptions,
        result: Partial<LanguageModelV4GenerateResult>,
      ) => {
        const { hash, request } = hashModelRequest(options as unknown as Record<string, unknown>);
        cassette.calls.push({
          model: resolved.id,
          stepPath,
          requestHash: hash,
          specificationVersion: inner4.specificationVersion,
          request,
          result: JSON.parse(JSON.stringify(result)) as unknown,
        });
      };
      const recording: LanguageModelV4 = {
        specificationVersion: inner4.specificationVersion,
        provider: inner4.provider,
        modelId: inner4.modelId,
        supportedUrls: inner4.supportedUrls,
        async doGenerate(options) {
          const result = await inner4.doGenerate(options);
          const { request: _sent, response: _received, ...kept } = result;
          record(options, kept);
          return result;
        },
        // The stream passes through as it comes; once it finished, its whole answer is recorded.
        async doStream(options) {
          const result = await inner4.doStream(options);
          const parts: LanguageModelV4StreamPart[] = [];
          const watched = result.stream.pipeThrough(
            new TransformStream<LanguageModelV4StreamPart, LanguageModelV4StreamPart>({
              transform(part, controller) {
                parts.push(part);
                controller.enqueue(part);
              },
              flush() {
                const answer = resultOfStreamParts(parts);
                if (answer) record(options, answer);
              },
            }),
          );
          return { ...result, stream: watched };
        },
      };
      return { ...resolved, model: recording };
    },
  };
}

/**
 * A resolver that answers every call from a cassette, with no provider. A call the cassette
 * does not hold is an error naming the step, so a changed prompt is never answered silently
 * with a stale response. Identical calls are answered in the order they were recorded.
 *
 * @example
 * ```ts
 * const models = replayingResolver(readCassette('run.cassette.json'));
 * await createBaton({ models }).run(definition); // no network
 * ```
 */
export function replayingResolver(cassette: Cassette, file: string): ModelResolver {
  const used = new Map<string, number>();
  const chains = cassette.chains;
  return {
    ...(chains
      ? { aliasChain: (name: string | undefined) => chains[name ?? ''] ?? (name === undefined ? [] : [name]) }
      : {}),
    resolve(name, stepPath): ResolvedModel {
      const recorded = Object.hasOwn(cassette.models, name ?? '') ? cassette.models[name ?? ''] : undefined;
      const id = recorded?.id ?? name;
      if (id === undefined) {
        throw new BatonError(
          'MODEL_NOT_FOUND',
          `Cassette ${file} has no default model for step "${stepPath}".`,
          {
            stepPath,
            hint: 'Record the cassette again with `baton run <workflow> --record <file>`.',
          },
        );
      }
      const [provider = 'cassette', ...rest] = id.split(':');
      const answer = async (options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> => {
        const { hash } = hashModelRequest(options as unknown as Record<string, unknown>);
        const matches = cassette.calls.filter((call) => call.model === id && call.requestHash === hash);
        const key = `${id}\u0000${hash}`;
        const index = used.get(key) ?? 0;
        const call = matches[Math.min(index, matches.length - 1)];
        if (!call) {
          throw new BatonError(
            'MODEL_CALL_FAILED',
            `Cassette ${file} holds no answer of model ${id} for the prompt of step "${stepPath}" (request ${hash}).`,
            {
              stepPath,
              retryable: false,
              hint: 'The prompt or the model changed since recording: record again with --record.',
              details: { model: id, requestHash: hash, file },
            },
          );
        }
        used.set(key, index + 1);
        return call.result as LanguageModelV4GenerateResult;
      };
      const model: LanguageModelV4 = {
        specificationVersion: 'v4',
        provider,
        modelId: rest.join(':') || id,
        supportedUrls: {},
        doGenerate: (options: LanguageModelV4CallOptions) => answer(options),
        // A recorded answer streams as the provider would have sent it.
        doStream: async (options: LanguageModelV4CallOptions) => ({
          stream: streamOfParts(streamPartsOf(await answer(options))),
        }),
      };
      return recorded?.pricing ? { id, model, pricing: recorded.pricing } : { id, model };
    },
  };
}
