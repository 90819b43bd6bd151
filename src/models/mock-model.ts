import {
  APICallError,
  type LanguageModelV4,
  type LanguageModelV4CallOptions,
  type LanguageModelV4Content,
  type LanguageModelV4FunctionTool,
  type LanguageModelV4GenerateResult,
  type LanguageModelV4Usage,
} from '@ai-sdk/provider';
import { type Clock, systemClock } from '../core/index.js';
import { estimateTokens, promptText } from './estimate-tokens.js';
import { hashString, sampleFromJsonSchema, seededRandom } from './json-schema-sample.js';
import { streamOfParts, streamPartsOf } from './stream-parts.js';

export interface MockModelOptions {
  /** The part after `mock:`; it takes part in the answers, so two mock models answer differently. */
  name?: string;
  /** Milliseconds before answering (a stream: before its first part). */
  latencyMs?: number;
  /** Milliseconds between two streamed words, so a stream shows as it would from a provider. */
  chunkDelayMs?: number;
  clock?: Clock;
  /**
   * Faults for the first calls, one per call, then answers: `429` or `429:2` (with Retry-After in
   * seconds), any other status (`500`, `503`), or `timeout` (no answer until the call is aborted).
   */
  failures?: readonly string[];
}

/** A staged fault, parsed. */
type Fault = { status: number; retryAfterSeconds?: number } | 'timeout';

/** Parses `429:2`, `500`, `timeout`; throws a TypeError naming a fault it cannot read. */
export function parseMockFault(text: string): Fault {
  if (text === 'timeout') return 'timeout';
  const match = /^(\d{3})(?::(\d+(?:\.\d+)?))?$/.exec(text.trim());
  if (!match)
    throw new TypeError(`"${text}" is not a mock fault: write a status (500), 429:<seconds> or timeout.`);
  const status = Number(match[1]);
  return match[2] === undefined ? { status } : { status, retryAfterSeconds: Number(match[2]) };
}

const vocabulary =
  'the plan looks sound and the numbers add up so we can move ahead with a short review of risks next week while keeping costs low'.split(
    ' ',
  );

/**
 * A model that needs no network and no key, for demos and for trying workflows: answers are
 * derived from a hash of the prompt (the same prompt always gets the same answer), a JSON-schema
 * response format gets an object that satisfies the schema, offered tools are called once with
 * arguments that satisfy their input schemas, and usage is about one token per four characters,
 * so costs show.
 *
 * @example
 * ```ts
 * const { text, usage } = await generateText({ model: createMockModel({ name: 'fast', latencyMs: 200 }), prompt: 'Hi' });
 * ```
 */
export function createMockModel(options: MockModelOptions = {}): LanguageModelV4 {
  const name = options.name || 'default';
  const clock = options.clock ?? systemClock;
  const latencyMs = options.latencyMs ?? 0;
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  const faults = (options.failures ?? []).map(parseMockFault);
  let calls = 0;

  /** Fails this call as staged, like a provider would; the model keeps count across calls. */
  const stageFault = async (signal: AbortSignal | undefined): Promise<void> => {
    const fault = faults[calls++];
    if (fault === undefined) return;
    if (fault === 'timeout') {
      await new Promise((_resolve, reject) => {
        if (signal?.aborted) reject(signal.reason);
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
      return;
    }
    const headers: Record<string, string> = {};
    if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
    throw new APICallError({
      message: `mock:${name} staged a ${fault.status}`,
      url: `mock://${name}`,
      requestBodyValues: {},
      statusCode: fault.status,
      responseHeaders: headers,
      isRetryable: fault.status === 408 || fault.status === 429 || fault.status >= 500,
    });
  };

  const answer = (call: LanguageModelV4CallOptions): LanguageModelV4GenerateResult => {
    const input = promptText(call.prompt);
    const seed = hashString(`${name}\n${input}`);
    const content: LanguageModelV4Content[] = [];
    const tool = toolToCall(call, seed);
    let output: string;
    let truncated = false;
    if (tool) {
      output = JSON.stringify(sampleFromJsonSchema(tool.inputSchema, seed));
      content.push({
        type: 'tool-call',
        toolCallId: `mock-call-${seed.toString(16)}`,
        toolName: tool.name,
        input: output,
      });
    } else if (call.responseFormat?.type === 'json') {
      output = JSON.stringify(
        call.responseFormat.schema ? sampleFromJsonSchema(call.responseFormat.schema, seed) : {},
      );
      content.push({ type: 'text', text: output });
    } else {
      const full = sentence(name, input, seed);
      // Honour the output budget the way a real model stops at its limit.
      output = call.maxOutputTokens === undefined ? full : full.slice(0, call.maxOutputTokens * 4);
      truncated = output.length < full.length;
      content.push({ type: 'text', text: output });
    }
    return {
      content,
      finishReason: tool
        ? { unified: 'tool-calls', raw: 'tool_calls' }
        : { unified: truncated ? 'length' : 'stop', raw: truncated ? 'length' : 'stop' },
      usage: usageOf(estimateTokens(input), estimateTokens(output)),
      response: { id: `mock-${seed.toString(16)}`, modelId: name, timestamp: new Date(clock.now()) },
      warnings: [],
    };
  };

  return {
    specificationVersion: 'v4',
    provider: 'mock',
    modelId: name,
    supportedUrls: {},
    async doGenerate(call) {
      if (latencyMs > 0) await clock.sleep(latencyMs, call.abortSignal);
      await stageFault(call.abortSignal);
      return answer(call);
    },
    async doStream(call) {
      if (latencyMs > 0) await clock.sleep(latencyMs, call.abortSignal);
      await stageFault(call.abortSignal);
      // Word by word, as a real model streams.
      return { stream: streamOfParts(streamPartsOf(answer(call)), chunkDelayMs, clock, call.abortSignal) };
    },
  };
}

/** The tool to call: the one required by toolChoice, else one picked by the hash, unless a tool just answered. */
function toolToCall(call: LanguageModelV4CallOptions, seed: number): LanguageModelV4FunctionTool | undefined {
  const tools = (call.tools ?? []).filter(
    (tool): tool is LanguageModelV4FunctionTool => tool.type === 'function',
  );
  const choice = call.toolChoice ?? { type: 'auto' };
  if (tools.length === 0 || choice.type === 'none') return undefined;
  // After a tool result the mock answers in text, so an agent loop ends.
  if (call.prompt.at(-1)?.role === 'tool') return undefined;
  if (choice.type === 'tool') return tools.find((tool) => tool.name === choice.toolName);
  return tools[seed % tools.length];
}

function sentence(name: string, input: string, seed: number): string {
  const random = seededRandom(seed);
  const length = 8 + Math.floor(random() * 9);
  const body = Array.from({ length }, () => vocabulary[Math.floor(random() * vocabulary.length)]).join(' ');
  const lastLine = input.trim().split('\n').at(-1) ?? '';
  const topic = lastLine.length > 48 ? `${lastLine.slice(0, 45)}...` : lastLine;
  return `Mock answer ${seed.toString(16).padStart(8, '0')} from mock:${name} to "${topic}": ${body}.`;
}

function usageOf(input: number, output: number): LanguageModelV4Usage {
  return {
    inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: output, text: output, reasoning: 0 },
  };
}
