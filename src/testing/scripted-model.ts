import { randomUUID } from 'node:crypto';
import {
  APICallError,
  type LanguageModelV4,
  type LanguageModelV4CallOptions,
  type LanguageModelV4GenerateResult,
  type LanguageModelV4Message,
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
      /** Cut off at the output limit: the answer finishes with reason `length`. */
      truncated?: boolean;
      /** Milliseconds to wait before answering (the call's signal still aborts it). */
      delayMs?: number;
      /** Milliseconds between the streamed chunks (a word each) of the text. Default 0. */
      chunkDelayMs?: number;
      /** Fails the call like a provider would: an HTTP status, with Retry-After in seconds. */
      error?: { status: number; message?: string; retryAfterSeconds?: number };
    };

export interface ScriptedModel extends LanguageModelV4 {
  /** The prompts the model received, one per call, streamed or not. */
  readonly calls: LanguageModelV4CallOptions[];
  /** Unique to this model: its answers come from its script, so no other model shares its cache entries. */
  readonly cacheScope: string;
}

/** One call to a scripted model, as a script chooses its answer from it. */
export interface ScriptedCall {
  /** The path of the step that called (`draft`, `reviews/2/check`), when Baton made the call. */
  step: string | undefined;
  /** The text of the first user message: the step's rendered prompt. */
  prompt: string;
  /** The system prompt (with anything Baton added to it), or ''. */
  system: string;
  /** The results of the tool calls made so far in this conversation, in order. */
  toolResults: Array<{ toolName: string; output: unknown }>;
  /** The number of this call to the model, from 0. */
  call: number;
}

/**
 * A script that answers by step or by prompt, so parallel steps and routers answer the same
 * whatever order they call in. The first that answers wins: `match`, then `byStep` (one
 * response, or one per call of that step, the last repeated), then `byPrompt` (the first entry
 * whose text the prompt contains, or whose pattern matches it), then `otherwise`.
 */
export interface ScriptTable {
  match?: (call: ScriptedCall) => ScriptedResponse | undefined;
  byStep?: Record<string, ScriptedResponse | ScriptedResponse[]>;
  byPrompt?: Array<[string | RegExp, ScriptedResponse]>;
  otherwise?: ScriptedResponse;
}

/**
 * A language model that answers from a script, for testing workflows without a provider: a list
 * (one response per call, the last repeated), a function of the call number, or a table that
 * answers by step or by prompt.
 *
 * @example
 * ```ts
 * const model = createScriptedModel(['first answer', { object: { route: 'billing', confidence: 0.9 } }]);
 * const routed = createScriptedModel({
 *   byStep: { classify: { object: { route: 'billing' } } },
 *   byPrompt: [[/refund/i, 'Refund approved.']],
 * });
 * ```
 */
export function createScriptedModel(
  responses: ScriptedResponse[] | ((call: number) => ScriptedResponse) | ScriptTable,
  options: { modelId?: string; provider?: string } = {},
): ScriptedModel {
  let call = 0;
  const calls: LanguageModelV4CallOptions[] = [];
  const perStep = new Map<string, number>();
  const next = (sent: LanguageModelV4CallOptions): ScriptedResponse => {
    calls.push(sent);
    const index = call++;
    if (typeof responses === 'function') return responses(index);
    if (!Array.isArray(responses)) return fromTable(responses, readCall(sent, index), perStep);
    const response = responses[Math.min(index, responses.length - 1)];
    if (response === undefined) throw new Error('createScriptedModel needs at least one response');
    return response;
  };
  const generate = async (
    sent: LanguageModelV4CallOptions,
    scripted = scriptedOf(next(sent)),
  ): Promise<LanguageModelV4GenerateResult> => {
    const signal = sent.abortSignal;
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
      finishReason: scripted.truncated
        ? { unified: 'length', raw: 'length' }
        : { unified: scripted.toolCalls ? 'tool-calls' : 'stop', raw: undefined },
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
    doGenerate: (callOptions) => generate(callOptions),
    doStream: async (callOptions) => {
      const scripted = scriptedOf(next(callOptions));
      const result = await generate(callOptions, scripted);
      const parts: LanguageModelV4StreamPart[] = [{ type: 'stream-start', warnings: [] }];
      for (const part of result.content) {
        if (part.type === 'text') {
          parts.push({ type: 'text-start', id: 't' });
          // A word at a time, as a provider streams.
          for (const delta of part.text.match(/\s*\S+\s*/g) ?? [part.text])
            parts.push({ type: 'text-delta', id: 't', delta });
          parts.push({ type: 'text-end', id: 't' });
        } else if (part.type === 'tool-call') parts.push(part);
      }
      parts.push({ type: 'finish', finishReason: result.finishReason, usage: result.usage });
      const signal = callOptions.abortSignal;
      return {
        stream: new ReadableStream({
          async pull(controller) {
            const part = parts.shift();
            if (!part) return controller.close();
            if (scripted.chunkDelayMs && part.type === 'text-delta')
              await delay(scripted.chunkDelayMs, signal);
            controller.enqueue(part);
          },
        }),
      };
    },
  });
  return Object.assign(model, { calls, cacheScope: `scripted-${randomUUID()}` });
}

function scriptedOf(response: ScriptedResponse): Exclude<ScriptedResponse, string> {
  return typeof response === 'string' ? { text: response } : response;
}

function fromTable(table: ScriptTable, sent: ScriptedCall, perStep: Map<string, number>): ScriptedResponse {
  const matched = table.match?.(sent);
  if (matched !== undefined) return matched;
  const byStep = sent.step === undefined ? undefined : table.byStep?.[sent.step];
  if (byStep !== undefined && sent.step !== undefined) {
    if (!Array.isArray(byStep)) return byStep;
    const index = perStep.get(sent.step) ?? 0;
    perStep.set(sent.step, index + 1);
    const response = byStep[Math.min(index, byStep.length - 1)];
    if (response !== undefined) return response;
  }
  for (const [pattern, response] of table.byPrompt ?? []) {
    if (typeof pattern === 'string' ? sent.prompt.includes(pattern) : pattern.test(sent.prompt))
      return response;
  }
  if (table.otherwise !== undefined) return table.otherwise;
  throw new Error(
    `The scripted model has no answer for call ${sent.call} (step ${sent.step ?? 'unknown'}, prompt ${JSON.stringify(sent.prompt.slice(0, 80))}): add it to byStep or byPrompt, or give otherwise.`,
  );
}

/** What a call sent, flattened so a script can choose its answer. */
function readCall(sent: LanguageModelV4CallOptions, call: number): ScriptedCall {
  let system = '';
  let prompt: string | undefined;
  const toolResults: ScriptedCall['toolResults'] = [];
  for (const message of sent.prompt as LanguageModelV4Message[]) {
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
  const step = (sent.providerOptions?.baton as { step?: unknown } | undefined)?.step;
  return {
    step: typeof step === 'string' ? step : undefined,
    prompt: prompt ?? '',
    system,
    toolResults,
    call,
  };
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
