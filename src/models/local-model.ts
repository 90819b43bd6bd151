import { basename } from 'node:path';
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4FinishReason,
  LanguageModelV4FunctionTool,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
  SharedV4Warning,
} from '@ai-sdk/provider';
import type { LlamaChat, LlamaCompletion, LlamaGrammar } from 'node-llama-cpp';
import { defaultLimitFinishReason } from '../core/index.js';
import { type LlamaSettings, type LoadedLlama, loadLlama } from './llama-runtime.js';
import { toChatHistory, toCompletionText } from './local-prompt.js';
import { describeTools, offeredTools, toolAnswerContent, toolCallSchema } from './local-tool-calls.js';

export interface LocalModelOptions extends LlamaSettings {
  /** The model id reported to the AI SDK. Default: the file name without `.gguf`. */
  name?: string;
  /**
   * `chat` renders messages with the model's chat template; `completion` continues plain text.
   * Default `auto`: chat when the GGUF file carries a chat template.
   */
  promptFormat?: 'auto' | 'chat' | 'completion';
  /**
   * Output tokens of a call that sets no `maxOutputTokens`. Default {@link defaultLocalOutputTokens}:
   * a model that is not tuned for instructions may never stop on its own.
   */
  maxOutputTokens?: number;
  /** Text that ends an answer, besides the chat template's own end of turn. */
  stopSequences?: string[];
}

/** Output tokens of a local call that sets no limit. */
export const defaultLocalOutputTokens = 512;

// Without a chat template, the prompt's messages are separated by blank lines (local-prompt.ts),
// so a blank line is where the model's turn ends.
const completionStopSequences = ['\n\n'];

interface Prepared {
  runtime: LoadedLlama;
  grammar: LlamaGrammar | undefined;
  warnings: SharedV4Warning[];
  /** Set when the call offers tools: the answer is a tool call or an answer, as JSON. */
  tools: LanguageModelV4FunctionTool[] | undefined;
}

interface Generation {
  text: string;
  inputTokens: number;
  outputTokens: number;
  finishReason: LanguageModelV4FinishReason;
}

const evaluators = new WeakMap<LoadedLlama, { chat?: LlamaChat; completion?: LlamaCompletion }>();

/**
 * A GGUF model run in-process by node-llama-cpp, as an AI SDK language model: text, streaming,
 * and JSON constrained by a grammar built from the response format's JSON schema, so the output
 * always parses. The model loads on the first call and stays loaded for the process; calls take
 * turns on it. Offered tools are called through a grammar: the answer is a well-formed call of one
 * of them (or, unless a call is required, a plain answer).
 *
 * @example
 * ```ts
 * const model = createLocalModel({ modelPath: '/models/qwen2.5-0.5b-instruct-q4_k_m.gguf' });
 * const { text } = await generateText({ model, prompt: 'Name three colours.' });
 * ```
 */
export function createLocalModel(options: LocalModelOptions): LanguageModelV4 {
  const name = options.name ?? basename(options.modelPath).replace(/\.gguf$/i, '');
  let calls = 0;

  async function prepare(call: LanguageModelV4CallOptions): Promise<Prepared> {
    const runtime = await loadLlama(options);
    const warnings: SharedV4Warning[] = [];
    const tools = offeredTools(call);
    if (tools.length > 0) {
      // Function calling by grammar: the model can only write a well-formed call (or an answer).
      const schema = toolCallSchema(
        tools,
        call.toolChoice?.type === 'required' || call.toolChoice?.type === 'tool',
      );
      return { runtime, grammar: await grammarOf(runtime, schema, warnings), warnings, tools };
    }
    const format = call.responseFormat;
    const grammar = format?.type === 'json' ? await grammarOf(runtime, format.schema, warnings) : undefined;
    return { runtime, grammar, warnings, tools: undefined };
  }

  function generate(
    { runtime, grammar, tools }: Prepared,
    offered: LanguageModelV4CallOptions,
    onText?: (delta: string) => void,
  ): Promise<Generation> {
    const call: LanguageModelV4CallOptions = tools
      ? { ...offered, prompt: [{ role: 'system', content: describeTools(tools) }, ...offered.prompt] }
      : offered;
    return runtime.exclusive(async () => {
      call.abortSignal?.throwIfAborted();
      let outputTokens = 0;
      const format = options.promptFormat ?? 'auto';
      const chat = format === 'chat' || (format === 'auto' && runtime.hasChatTemplate);
      // A chat template ends the turn itself; plain text continues until a blank line.
      const stops = [
        ...(call.stopSequences ?? []),
        ...(options.stopSequences ?? []),
        ...(chat || grammar ? [] : completionStopSequences),
      ];
      // The provider's default limit only ends a model that never stops: the call chose no limit.
      const defaultLimit = call.maxOutputTokens === undefined;
      const settings = {
        maxTokens: call.maxOutputTokens ?? options.maxOutputTokens ?? defaultLocalOutputTokens,
        ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
        ...(call.topK !== undefined ? { topK: call.topK } : {}),
        ...(call.topP !== undefined ? { topP: call.topP } : {}),
        ...(call.seed !== undefined ? { seed: call.seed } : {}),
        ...(stops.length > 0 ? { customStopTriggers: stops } : {}),
        ...(call.abortSignal ? { signal: call.abortSignal } : {}),
        ...(grammar ? { grammar } : {}),
        ...(onText ? { onTextChunk: onText } : {}),
        onToken: (tokens: readonly unknown[]) => {
          outputTokens += tokens.length;
        },
      };
      const cached = evaluators.get(runtime) ?? {};
      evaluators.set(runtime, cached);
      if (chat) {
        const history = toChatHistory(call.prompt);
        cached.chat ??= new runtime.module.LlamaChat({
          contextSequence: runtime.sequence,
          autoDisposeSequence: false,
        });
        const rendered = cached.chat.chatWrapper.generateContextState({ chatHistory: history }).contextText;
        const result = await cached.chat.generateResponse(history, settings);
        const inputTokens = rendered.tokenize(runtime.model.tokenizer).length;
        return {
          text: result.response,
          inputTokens,
          outputTokens,
          finishReason: finishOf(result.metadata.stopReason, defaultLimit),
        };
      }
      const text = toCompletionText(call.prompt);
      cached.completion ??= new runtime.module.LlamaCompletion({
        contextSequence: runtime.sequence,
        autoDisposeSequence: false,
      });
      const result = await cached.completion.generateCompletionWithMeta(text, settings);
      const inputTokens = runtime.model.tokenize(text).length;
      return {
        text: result.response,
        inputTokens,
        outputTokens,
        finishReason: finishOf(result.metadata.stopReason, defaultLimit),
      };
    });
  }

  return {
    specificationVersion: 'v4',
    provider: 'local',
    modelId: name,
    supportedUrls: {},
    async doGenerate(call) {
      const prepared = await prepare(call);
      const result = await generate(prepared, call);
      const content = contentOf(prepared, result, ++calls);
      return {
        content,
        finishReason: content.some((part) => part.type === 'tool-call')
          ? { unified: 'tool-calls', raw: result.finishReason.raw }
          : result.finishReason,
        usage: usageOf(result),
        response: { modelId: name },
        warnings: prepared.warnings,
      };
    },
    async doStream(call) {
      // Loading and grammar errors reject here, before a stream exists, like an HTTP error would.
      const prepared = await prepare(call);
      const number = ++calls;
      const cancel = new AbortController();
      const abortSignal = call.abortSignal
        ? AbortSignal.any([call.abortSignal, cancel.signal])
        : cancel.signal;
      const stream = new ReadableStream<LanguageModelV4StreamPart>({
        start(controller) {
          controller.enqueue({ type: 'stream-start', warnings: prepared.warnings });
          controller.enqueue({ type: 'response-metadata', modelId: name });
          let started = false;
          // With tools the text is JSON for the call: it is parsed once complete, not streamed.
          const onText = (delta: string) => {
            if (prepared.tools) return;
            if (!started) controller.enqueue({ type: 'text-start', id: 'text-0' });
            started = true;
            controller.enqueue({ type: 'text-delta', id: 'text-0', delta });
          };
          generate(prepared, { ...call, abortSignal }, onText).then(
            (result) => {
              if (started) controller.enqueue({ type: 'text-end', id: 'text-0' });
              let calledTool = false;
              if (prepared.tools) {
                for (const part of contentOf(prepared, result, number)) {
                  if (part.type === 'tool-call') {
                    calledTool = true;
                    controller.enqueue(part);
                  } else if (part.type === 'text') {
                    controller.enqueue({ type: 'text-start', id: 'text-0' });
                    controller.enqueue({ type: 'text-delta', id: 'text-0', delta: part.text });
                    controller.enqueue({ type: 'text-end', id: 'text-0' });
                  }
                }
              }
              controller.enqueue({
                type: 'finish',
                usage: usageOf(result),
                finishReason: calledTool
                  ? { unified: 'tool-calls', raw: result.finishReason.raw }
                  : result.finishReason,
              });
              controller.close();
            },
            (error: unknown) => {
              if (cancel.signal.aborted) return;
              controller.enqueue({ type: 'error', error });
              controller.close();
            },
          );
        },
        cancel(reason) {
          cancel.abort(reason);
        },
      });
      return { stream };
    },
  };
}

async function grammarOf(
  runtime: LoadedLlama,
  schema: object | undefined,
  warnings: SharedV4Warning[],
): Promise<LlamaGrammar> {
  if (!schema) return runtime.grammarFor(undefined);
  const { $schema: _dialect, ...rest } = schema as Record<string, unknown>;
  try {
    return await runtime.grammarFor(rest);
  } catch (error) {
    // A schema keyword node-llama-cpp's grammar does not cover: any JSON still beats free text.
    warnings.push({
      type: 'compatibility',
      feature: 'responseFormat.schema',
      details: `Constrained to JSON only: ${error instanceof Error ? error.message : String(error)}`,
    });
    return runtime.grammarFor(undefined);
  }
}

/** What a generation answered: a tool call or text when tools were offered, else its text. */
function contentOf(prepared: Prepared, result: Generation, callNumber: number): LanguageModelV4Content[] {
  if (!prepared.tools) return [{ type: 'text', text: result.text }];
  return toolAnswerContent(result.text, callNumber);
}

/**
 * Stopped at the provider's default limit (the call set none), the raw reason says so: a step
 * keeps such an answer, where a cut at a limit the step set is `OUTPUT_TRUNCATED`.
 */
function finishOf(stopReason: string, defaultLimit: boolean): LanguageModelV4FinishReason {
  if (stopReason === 'maxTokens') {
    return { unified: 'length', raw: defaultLimit ? defaultLimitFinishReason : stopReason };
  }
  if (stopReason === 'abort') return { unified: 'other', raw: stopReason };
  return { unified: 'stop', raw: stopReason };
}

function usageOf(result: Generation): LanguageModelV4Usage {
  return {
    inputTokens: {
      total: result.inputTokens,
      noCache: result.inputTokens,
      cacheRead: undefined,
      cacheWrite: undefined,
    },
    outputTokens: { total: result.outputTokens, text: result.outputTokens, reasoning: undefined },
  };
}
