import { randomUUID } from 'node:crypto';
import {
  APICallError,
  type LanguageModelV4,
  type LanguageModelV4GenerateResult,
  type LanguageModelV4StreamPart,
} from '@ai-sdk/provider';
import { MockLanguageModelV4 } from 'ai/test';

/** One scripted answer: text, an object (sent as JSON text), tool calls, or an error. */
export type ScriptedResponse =
  | string
  | {
      text?: string;
      object?: unknown;
      toolCalls?: Array<{ toolName: string; input: unknown; toolCallId?: string }>;
      usage?: { inputTokens?: number; outputTokens?: number; cachedInputTokens?: number };
      /** Milliseconds to wait before answering (the call's signal still aborts it). */
      delayMs?: number;
      /** Fails the call like a provider would: an HTTP status, with Retry-After in seconds. */
      error?: { status: number; message?: string; retryAfterSeconds?: number };
    };

export interface ScriptedModel extends LanguageModelV4 {
  /** The prompts the model received, one per call. */
  readonly calls: MockLanguageModelV4['doGenerateCalls'];
  /** Unique to this model: its answers come from its script, so no other model shares its cache entries. */
  readonly cacheScope: string;
}

/**
 * A language model that answers from a script, one response per call, for testing workflows
 * without a provider. After the last response it repeats the last one.
 *
 * @example
 * ```ts
 * const model = createScriptedModel(['first answer', { object: { route: 'billing', confidence: 0.9 } }]);
 * ```
 */
export function createScriptedModel(
  responses: ScriptedResponse[] | ((call: number) => ScriptedResponse),
  options: { modelId?: string; provider?: string } = {},
): ScriptedModel {
  let call = 0;
  const next = (): ScriptedResponse => {
    const index = call++;
    if (typeof responses === 'function') return responses(index);
    const response = responses[Math.min(index, responses.length - 1)];
    if (response === undefined) throw new Error('createScriptedModel needs at least one response');
    return response;
  };
  const generate = async (signal: AbortSignal | undefined): Promise<LanguageModelV4GenerateResult> => {
    const response = next();
    const scripted = typeof response === 'string' ? { text: response } : response;
    if (scripted.delayMs) await delay(scripted.delayMs, signal);
    if (scripted.error) throw toApiError(scripted.error);
    const text = scripted.text ?? (scripted.object === undefined ? '' : JSON.stringify(scripted.object));
    const content: LanguageModelV4GenerateResult['content'] = [];
    if (text !== '' || !scripted.toolCalls) content.push({ type: 'text', text });
    for (const [index, toolCall] of (scripted.toolCalls ?? []).entries()) {
      content.push({
        type: 'tool-call',
        toolCallId: toolCall.toolCallId ?? `call_${call}_${index}`,
        toolName: toolCall.toolName,
        input: JSON.stringify(toolCall.input),
      });
    }
    const input = scripted.usage?.inputTokens ?? 10;
    const output = scripted.usage?.outputTokens ?? 5;
    const cached = scripted.usage?.cachedInputTokens ?? 0;
    return {
      content,
      finishReason: { unified: scripted.toolCalls ? 'tool-calls' : 'stop', raw: undefined },
      usage: {
        inputTokens: { total: input, noCache: input - cached, cacheRead: cached, cacheWrite: undefined },
        outputTokens: { total: output, text: output, reasoning: undefined },
      },
      warnings: [],
    };
  };
  const model = new MockLanguageModelV4({
    provider: options.provider ?? 'scripted',
    modelId: options.modelId ?? 'scripted',
    doGenerate: (callOptions) => generate(callOptions.abortSignal),
    doStream: async (callOptions) => {
      const result = await generate(callOptions.abortSignal);
      const parts: LanguageModelV4StreamPart[] = [{ type: 'stream-start', warnings: [] }];
      for (const part of result.content) {
        if (part.type === 'text') {
          parts.push(
            { type: 'text-start', id: 't' },
            { type: 'text-delta', id: 't', delta: part.text },
            { type: 'text-end', id: 't' },
          );
        } else if (part.type === 'tool-call') parts.push(part);
      }
      parts.push({ type: 'finish', finishReason: result.finishReason, usage: result.usage });
      return {
        stream: new ReadableStream({
          start: (controller) => {
            for (const part of parts) controller.enqueue(part);
            controller.close();
          },
        }),
      };
    },
  });
  return Object.assign(model, { calls: model.doGenerateCalls, cacheScope: `scripted-${randomUUID()}` });
}

function toApiError(error: { status: number; message?: string; retryAfterSeconds?: number }): APICallError {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  return new APICallError({
    message: error.message ?? `HTTP ${error.status}`,
    url: 'scripted://model',
    requestBodyValues: {},
    statusCode: error.status,
    responseHeaders: headers,
    isRetryable: error.status === 408 || error.status === 409 || error.status === 429 || error.status >= 500,
  });
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
