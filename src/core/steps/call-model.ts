import { APICallError, generateText, jsonSchema, NoObjectGeneratedError, Output } from 'ai';
import { BatonError, serializeError } from '../errors.js';
import type { JsonSchema } from '../ir/step.js';
import type { ModelPricing } from '../ports/model-resolver.js';
import type { Usage } from '../ports/store.js';
import type { StepContext } from '../runner/run-state.js';

export interface ModelRequest {
  model: string | string[] | undefined;
  system?: string | undefined;
  prompt: string;
  schema?: JsonSchema | undefined;
  temperature?: number | undefined;
  maxOutputTokens?: number | undefined;
}

/**
 * One model call of a step through the AI SDK: tries each model of a fallback chain in order,
 * adds usage and cost to the step and the run, and turns provider errors into BatonErrors whose
 * retryability comes from the provider's own error.
 */
export async function callModel(context: StepContext, request: ModelRequest): Promise<{ value: unknown; model: string }> {
  const { run, path } = context;
  const resolver = run.services.models;
  if (!resolver) {
    throw new BatonError('MODEL_NOT_FOUND', `Step "${path}" calls a model, but no models are configured.`, {
      stepPath: path,
      hint: 'Pass `models` to createBaton(), or configure providers in baton.config.yaml.',
    });
  }
  const names = request.model ?? run.definition.workflow.defaults?.model;
  const chain = Array.isArray(names) ? names : [names];
  for (let index = 0; ; index++) {
    const resolved = resolver.resolve(chain[index], path);
    const started = run.services.clock.now();
    try {
      const result = await generateText({
        model: resolved.model,
        prompt: request.prompt,
        ...(request.system !== undefined ? { system: request.system } : {}),
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        ...(request.maxOutputTokens !== undefined ? { maxOutputTokens: request.maxOutputTokens } : {}),
        ...(request.schema ? { output: Output.object({ schema: jsonSchema(request.schema) }) } : {}),
        abortSignal: context.signal,
        maxRetries: 0,
      });
      const usage = toUsage(result.usage);
      const costUsd = priceOf(resolved.pricing, usage);
      context.addUsage(usage, costUsd);
      const time = run.services.clock.now();
      run.emit({ type: 'model-call', runId: run.id, path, model: resolved.id, time, durationMs: time - started, usage, costUsd, cached: false });
      return { value: request.schema ? result.output : result.text, model: resolved.id };
    } catch (thrown) {
      const error = fromModelError(thrown, path, resolved.id);
      const next = chain[index + 1];
      if (next === undefined || context.signal.aborted || index + 1 >= chain.length) throw error;
      const time = run.services.clock.now();
      run.emit({ type: 'model-fallback', runId: run.id, path, from: resolved.id, to: next, time, error: serializeError(error) });
    }
  }
}

export function toUsage(usage: { inputTokens: number | undefined; outputTokens: number | undefined; inputTokenDetails?: { cacheReadTokens: number | undefined } }): Usage {
  return {
    inputTokens: usage.inputTokens ?? 0,
    outputTokens: usage.outputTokens ?? 0,
    cachedInputTokens: usage.inputTokenDetails?.cacheReadTokens ?? 0,
  };
}

/** Cost in US dollars; cached input tokens are billed at the cached price when there is one. */
export function priceOf(pricing: ModelPricing | undefined, usage: Usage): number {
  if (!pricing) return 0;
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  const cachedPrice = pricing.cachedInputPerMillion ?? pricing.inputPerMillion;
  return (
    ((usage.inputTokens - cached) * pricing.inputPerMillion + cached * cachedPrice + usage.outputTokens * pricing.outputPerMillion) /
    1_000_000
  );
}

/** Maps AI SDK errors; a 429 becomes RATE_LIMITED with the server's Retry-After. */
export function fromModelError(error: unknown, stepPath: string, model: string): BatonError {
  if (BatonError.is(error)) return error;
  if (APICallError.isInstance(error)) {
    const limited = error.statusCode === 429;
    return new BatonError(
      limited ? 'RATE_LIMITED' : 'MODEL_CALL_FAILED',
      `Model ${model} failed in step "${stepPath}"${error.statusCode ? ` with HTTP ${error.statusCode}` : ''}: ${error.message}`,
      {
        cause: error,
        stepPath,
        retryable: error.isRetryable,
        retryAfterMs: retryAfterMs(error.responseHeaders),
        hint: limited ? 'Lower concurrency or set a rate limit for this provider.' : 'Check the provider status and your key.',
        details: { model, statusCode: error.statusCode, responseBody: error.responseBody },
      },
    );
  }
  if (NoObjectGeneratedError.isInstance(error)) {
    return new BatonError('OUTPUT_INVALID', `Model ${model} did not return a valid object in step "${stepPath}": ${error.message}`, {
      cause: error,
      stepPath,
      retryable: true,
      hint: 'Simplify the output schema or describe the expected shape in the prompt.',
      details: { model, text: error.text, finishReason: error.finishReason },
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  const retryable = (error as { isRetryable?: unknown } | null)?.isRetryable === true;
  return new BatonError('MODEL_CALL_FAILED', `Model ${model} failed in step "${stepPath}": ${message}`, {
    cause: error,
    stepPath,
    retryable,
    details: { model },
  });
}

/** `retry-after-ms` (milliseconds) or `retry-after` (seconds, or an HTTP date). */
export function retryAfterMs(headers: Record<string, string> | undefined): number | undefined {
  if (!headers) return undefined;
  const ms = Number.parseFloat(headers['retry-after-ms'] ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers['retry-after'];
  if (value === undefined) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
