import type { JSONSchema7, ModelMessage, ToolSet } from 'ai';
import { BatonError, serializeError } from '../errors.js';
import type { JsonSchema } from '../ir/step.js';
import type { ModelResolver, ResolvedModel } from '../ports/model-resolver.js';
import type { Usage } from '../ports/store.js';
import { costOf, estimateCall, reserveBudget } from '../runner/budget.js';
import { contentKey } from '../runner/cache-key.js';
import type { StepContext } from '../runner/run-state.js';
import { loadAiSdk } from './ai-sdk.js';
import { fromModelError, recoveryOf } from './model-error.js';
import { DeltaStream, resetStream, type StepDelta } from './stream-deltas.js';
import { checkAnswer, defaultMaxRepairs, invalidAnswer, repairPrompt } from './structured-answer.js';
import { checkTruncation } from './truncation.js';

export interface ModelRequest {
  model: string | string[] | undefined;
  system?: string | undefined;
  prompt: string;
  /** An earlier conversation, sent before `prompt`. */
  history?: ModelMessage[] | undefined;
  /** An answer cut off by the output limit: `OUTPUT_TRUNCATED` (default) or kept with a note. */
  onTruncate?: 'fail' | 'accept' | undefined;
  schema?: JsonSchema | undefined;
  temperature?: number | undefined;
  maxOutputTokens?: number | undefined;
  /** Repair calls allowed when the answer does not fit `schema`. Default {@link defaultMaxRepairs}. */
  maxRepairs?: number | undefined;
  /** A further check of the answer (the step's `validate`): its messages are sent back as a repair. */
  check?: ((value: unknown) => Promise<string[]>) | undefined;
}

/** One call to a model: the conversation so far, and what the model may answer with. */
export interface ModelCall {
  model: string | string[] | undefined;
  system?: string | undefined;
  messages: ModelMessage[];
  /** Tools the model may call. They have no `execute`: the caller runs them and journals them. */
  tools?: ToolSet | undefined;
  /** Asks the provider for JSON fitting this schema; the caller checks the answer. */
  schema?: JsonSchema | undefined;
  temperature?: number | undefined;
  maxOutputTokens?: number | undefined;
}

/** What one model call answered, with the assistant messages to continue the conversation. */
export interface ModelTurn {
  model: string;
  text: string;
  toolCalls: Array<{ toolCallId: string; toolName: string; input: unknown; invalid?: string }>;
  messages: ModelMessage[];
  usage: Usage;
  costUsd: number;
  finishReason: string;
  /** The provider's own finish reason, e.g. `defaultLimitFinishReason` (truncation.ts). */
  rawFinishReason?: string;
}

/**
 * A prompt to text, or to an object checked against `schema`. An answer that is not JSON or
 * breaks the schema is shown back to the model with its issues, up to `maxRepairs` times; each
 * repair is a model call of its own, budgeted and priced. The last failure is `OUTPUT_INVALID`
 * with the invalid text and the issues in `details`.
 */
export async function callModel(
  context: StepContext,
  request: ModelRequest,
): Promise<{ value: unknown; model: string; repairs: number; truncated?: string }> {
  const messages: ModelMessage[] = [...(request.history ?? []), { role: 'user', content: request.prompt }];
  const { check, maxRepairs: _maxRepairs, history: _history, onTruncate: _onTruncate, ...asked } = request;
  const call: ModelCall = { ...asked, messages };
  const schema = request.schema;
  if (!schema && !check) {
    const turn = await generateTurn(context, call);
    const truncated = checkTruncation(context, turn, request.onTruncate, request.maxOutputTokens);
    return { value: turn.text, model: turn.model, repairs: 0, ...(truncated ? { truncated } : {}) };
  }
  const maxRepairs = request.maxRepairs ?? defaultMaxRepairs;
  const answers: string[] = [];
  for (let repairs = 0; ; repairs++) {
    // Cached only once it passes: a retry, a resume or another workflow asking the same must
    // reach the model again rather than get the invalid answer back.
    const turn = await generateTurn(context, call, { cacheWhen: 'accepted' });
    const truncated = checkTruncation(context, turn, request.onTruncate, request.maxOutputTokens);
    const checked = schema ? checkAnswer(turn.text, schema) : { ok: true as const, value: turn.text };
    const issues = checked.ok
      ? ((await check?.(checked.value))?.map((message) => ({ path: '(root)', message })) ?? [])
      : checked.issues;
    if (checked.ok && issues.length === 0) {
      await turn.accept?.();
      return { value: checked.value, model: turn.model, repairs, ...(truncated ? { truncated } : {}) };
    }
    answers.push(turn.text);
    if (repairs >= maxRepairs) {
      throw invalidAnswer(context.path, turn.model, turn.text, issues, { repairs, answers });
    }
    messages.push(
      { role: 'assistant', content: turn.text },
      { role: 'user', content: repairPrompt(issues, schema) },
    );
    // The repair answers anew: the invalid answer a watcher saw is void.
    resetStream(context, 'retry');
  }
}

/**
 * One model call through the AI SDK, streamed: checks the run's budget with an estimate first,
 * tries each model of a fallback chain in order, sends the answer to live watchers as it arrives
 * (`step-delta`, and `stream-reset` before a fallback that follows streamed text), adds usage and
 * cost to the step and the run, emits `model-call`, and turns provider errors into BatonErrors
 * whose retryability comes from the provider's own error. Tool calls are returned, never executed.
 */
export async function generateTurn(
  context: StepContext,
  call: ModelCall,
  options: { cacheWhen?: 'answered' | 'accepted' } = {},
): Promise<ModelTurn & { accept?: () => Promise<void> }> {
  const { run, path } = context;
  const resolver = run.services.models;
  if (!resolver) {
    throw new BatonError('MODEL_NOT_FOUND', `Step "${path}" calls a model, but no models are configured.`, {
      stepPath: path,
      hint: 'Pass `models` to createBaton(), or configure providers in baton.config.yaml.',
    });
  }
  const chain = modelChain(resolver, call.model ?? run.definition.workflow.defaults?.model);
  const promptCharacters = charactersOf(call);
  const ai = await loadAiSdk();
  for (let index = 0; ; index++) {
    const resolved = resolver.resolve(chain[index], path, {
      onRetry: (retry) => {
        const statusCode = (retry.error as { statusCode?: unknown } | null)?.statusCode;
        const error = fromModelError(retry.error, path, retry.model, run.services.clock.now());
        const event = {
          type: 'model-retry' as const,
          runId: run.id,
          path,
          model: retry.model,
          retry: retry.retry,
          ...(typeof statusCode === 'number' ? { statusCode } : {}),
          delayMs: retry.delayMs,
          ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
          time: run.services.clock.now(),
          error: serializeError(error),
        };
        run.emit(event);
        context.noteModelRecovery(recoveryOf(event));
      },
    });
    const estimate = estimateCall({
      promptCharacters,
      maxOutputTokens: call.maxOutputTokens,
      pricing: resolved.pricing,
    });
    const key = context.cache ? modelCallKey(resolved, call) : undefined;
    const cached = key === undefined ? undefined : await run.services.store.readCache?.(key);
    if (cached) {
      context.countCacheHit(true);
      run.emit({
        type: 'model-call',
        runId: run.id,
        path,
        model: resolved.id,
        time: run.services.clock.now(),
        durationMs: 0,
        usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
        costUsd: 0,
        cached: true,
        ...requestOf(call),
      });
      const answer = cached.value as Omit<ModelTurn, 'usage' | 'costUsd'>;
      // The whole answer as one delta, so a watcher sees the text a streamed call would show.
      const live = new DeltaStream(context);
      live.push({ kind: 'text', text: answer.text });
      live.flush();
      return {
        ...answer,
        usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
        costUsd: 0,
      };
    }
    const release = reserveBudget(run, path, resolved.id, estimate, resolved.pricing !== undefined);
    const started = run.services.clock.now();
    const live = new DeltaStream(context);
    try {
      const result = await streamTurn(ai, resolved, call, context, live);
      const usage = toUsage(result.usage);
      const costUsd = costOf(resolved.pricing, usage);
      const unpriced = resolved.pricing === undefined;
      context.addUsage(usage, costUsd, unpriced);
      release();
      const time = run.services.clock.now();
      run.emit({
        type: 'model-call',
        runId: run.id,
        path,
        model: resolved.id,
        time,
        durationMs: time - started,
        usage,
        costUsd,
        ...(unpriced ? { unpriced: true } : {}),
        cached: false,
        finishReason: result.finishReason,
        ...requestOf(call),
        responseModel: result.response.modelId,
        responseId: result.response.id,
        ...(run.services.captureModelContent
          ? { content: { ...system(call), input: call.messages, output: result.responseMessages } }
          : {}),
      });
      const turn: ModelTurn = {
        model: resolved.id,
        text: result.text,
        toolCalls: result.toolCalls,
        messages: result.messages,
        usage,
        costUsd,
        finishReason: result.finishReason,
        ...(result.rawFinishReason !== undefined ? { rawFinishReason: result.rawFinishReason } : {}),
      };
      if (key !== undefined) {
        context.countCacheHit(false);
        const { usage: _usage, costUsd: _cost, ...value } = turn;
        const save = async () => {
          await run.services.store.writeCache?.({ key, value, model: resolved.id, usage, createdAt: time });
        };
        // `accepted`: the caller checks the answer first and calls `accept` for one that passed.
        if (options.cacheWhen === 'accepted') return { ...turn, accept: save };
        await save();
      }
      return turn;
    } catch (thrown) {
      release();
      const error = fromModelError(thrown, path, resolved.id, run.services.clock.now());
      const next = chain[index + 1];
      if (index + 1 >= chain.length || context.signal.aborted) throw error;
      if (live.streamed) resetStream(context, 'fallback');
      const event = {
        type: 'model-fallback' as const,
        runId: run.id,
        path,
        from: resolved.id,
        to: String(next),
        time: run.services.clock.now(),
        error: serializeError(error),
      };
      run.emit(event);
      context.noteModelRecovery(recoveryOf(event));
    }
  }
}

/**
 * Streams one call with the AI SDK's `streamText`, sending its text, reasoning and tool-call
 * arguments to `live` as they arrive. A stream that breaks or is aborted throws, keeping the
 * provider's error: a broken stream never passes for a finished answer.
 */
async function streamTurn(
  ai: Awaited<ReturnType<typeof loadAiSdk>>,
  resolved: ResolvedModel,
  call: ModelCall,
  context: StepContext,
  live: DeltaStream,
) {
  const result = ai.streamText({
    model: resolved.model,
    messages: call.messages,
    ...(call.system !== undefined ? { instructions: call.system } : {}),
    ...(call.tools ? { tools: call.tools } : {}),
    ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
    ...(call.maxOutputTokens !== undefined ? { maxOutputTokens: call.maxOutputTokens } : {}),
    ...(call.schema ? { output: rawJsonOutput(ai, call.schema) } : {}),
    // Providers read only their own namespace; test models read the step that called.
    providerOptions: { baton: { step: context.path } },
    abortSignal: context.signal,
    maxRetries: 0,
    // Errors are read from the stream below; the SDK's default would print them.
    onError: () => undefined,
  });
  let failure: { error: unknown } | undefined;
  const toolNames = new Map<string, string>();
  const argumentsStreamed = new Set<string>();
  try {
    for await (const part of result.fullStream) {
      if (part.type === 'text-delta') live.push({ kind: 'text', text: part.text });
      else if (part.type === 'reasoning-delta') live.push({ kind: 'reasoning', text: part.text });
      else if (part.type === 'tool-input-start') toolNames.set(part.id, part.toolName);
      else if (part.type === 'tool-input-delta') {
        argumentsStreamed.add(part.id);
        live.push(toolDelta(part.id, toolNames.get(part.id), part.delta));
      } else if (part.type === 'tool-call' && !argumentsStreamed.has(part.toolCallId)) {
        // A provider that sends a tool call whole: its arguments as one delta.
        live.push(toolDelta(part.toolCallId, part.toolName, JSON.stringify(part.input)));
      } else if (part.type === 'error') failure ??= { error: part.error };
      else if (part.type === 'abort') failure ??= { error: context.signal.reason ?? new Error('aborted') };
    }
  } finally {
    live.flush();
  }
  if (failure) throw failure.error;
  const [finishReason, rawFinishReason, usage, toolCalls, responseMessages, response, text] =
    await Promise.all([
      result.finishReason,
      result.rawFinishReason,
      result.usage,
      result.toolCalls,
      result.responseMessages,
      result.response,
      result.text,
    ]);
  // `output` rejects when the model answered with tool calls only.
  const output: unknown = call.schema && finishReason !== 'tool-calls' ? await result.output : undefined;
  return {
    text: typeof output === 'string' ? output : text,
    toolCalls: toolCalls.map((toolCall) => ({
      toolCallId: toolCall.toolCallId,
      toolName: toolCall.toolName,
      input: toolCall.input,
      ...(toolCall.invalid ? { invalid: errorMessage(toolCall.error) } : {}),
    })),
    // Tool messages the SDK adds for calls it could not parse are dropped: the caller answers
    // every tool call itself, so the conversation has exactly one result per call.
    messages: responseMessages.filter((message) => message.role === 'assistant'),
    responseMessages,
    response,
    usage,
    finishReason,
    rawFinishReason,
  };
}

function toolDelta(toolCallId: string, toolName: string | undefined, text: string): StepDelta {
  return { kind: 'tool-call', text, toolCallId, ...(toolName !== undefined ? { toolName } : {}) };
}

/**
 * The models to try in order: each name of a list, each alias expanded into the models it stands
 * for, repeats dropped. `[smart, fast]` with `smart: [a, b]` gives `a, b, fast`.
 */
function modelChain(
  resolver: ModelResolver,
  names: string | string[] | undefined,
): Array<string | undefined> {
  const requested = Array.isArray(names) ? names : [names];
  if (!resolver.aliasChain) return requested;
  const chain: Array<string | undefined> = [];
  for (const name of requested) {
    for (const entry of resolver.aliasChain(name)) if (!chain.includes(entry)) chain.push(entry);
  }
  return chain.length > 0 ? chain : requested;
}

/**
 * The cache key of a model call: the model that answers and everything sent to it. Tools count by
 * name, description and input schema (they carry functions, which have no content to hash).
 */
function modelCallKey(resolved: ResolvedModel, call: ModelCall): string {
  const tools = Object.entries(call.tools ?? {}).map(([name, tool]) => [
    name,
    tool.description,
    (tool.inputSchema as { jsonSchema?: unknown } | undefined)?.jsonSchema,
  ]);
  const { system, messages, schema, temperature, maxOutputTokens } = call;
  return contentKey({
    kind: 'model-call',
    model: resolved.id,
    ...(resolved.cacheScope !== undefined ? { scope: resolved.cacheScope } : {}),
    system,
    messages,
    tools,
    schema,
    temperature,
    maxOutputTokens,
  });
}

// Asks the provider for JSON with the schema, but leaves checking to `checkAnswer`, so that an
// invalid answer comes back as text the model can be shown instead of as a thrown error.
function rawJsonOutput(ai: Awaited<ReturnType<typeof loadAiSdk>>, schema: JsonSchema) {
  const object = ai.Output.object({ schema: ai.jsonSchema(schema as JSONSchema7) });
  return { ...object, parseCompleteOutput: async ({ text }: { text: string }): Promise<unknown> => text };
}

/** The sampling parameters a call set, for the `model-call` event. */
function requestOf(call: ModelCall): { request?: { temperature?: number; maxOutputTokens?: number } } {
  const { temperature, maxOutputTokens } = call;
  if (temperature === undefined && maxOutputTokens === undefined) return {};
  return {
    request: {
      ...(temperature !== undefined ? { temperature } : {}),
      ...(maxOutputTokens !== undefined ? { maxOutputTokens } : {}),
    },
  };
}

function system(call: ModelCall): { system?: string } {
  return call.system !== undefined ? { system: call.system } : {};
}

function charactersOf(call: ModelCall): number {
  let characters = (call.system?.length ?? 0) + JSON.stringify(call.messages).length;
  if (call.schema) characters += JSON.stringify(call.schema).length;
  for (const [name, tool] of Object.entries(call.tools ?? {})) {
    const schema = (tool.inputSchema as { jsonSchema?: unknown } | undefined)?.jsonSchema;
    characters += name.length + (tool.description?.length ?? 0) + (JSON.stringify(schema)?.length ?? 0);
  }
  return characters;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function toUsage(usage: {
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  inputTokenDetails?: { cacheReadTokens: number | undefined };
}): Usage {
  return {
    inputTokens: usage.inputTokens ?? 0,
    outputTokens: usage.outputTokens ?? 0,
    cachedInputTokens: usage.inputTokenDetails?.cacheReadTokens ?? 0,
  };
}
