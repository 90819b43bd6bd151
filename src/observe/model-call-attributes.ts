import type { Attributes } from '@opentelemetry/api';
import type { BatonEvent } from '../core/index.js';
import { genAi, genAiOperation } from './gen-ai-conventions.js';

/** The attributes of a `chat {model}` span, from the `model-call` event. */
export function modelCallAttributes(
  event: Extract<BatonEvent, { type: 'model-call' }>,
  provider: string | undefined,
  model: string,
  captureContent: boolean,
): Attributes {
  const { request, content } = event;
  return {
    [genAi.operationName]: genAiOperation.chat,
    ...(provider !== undefined ? { [genAi.providerName]: provider } : {}),
    [genAi.requestModel]: model,
    ...(request?.temperature !== undefined ? { [genAi.requestTemperature]: request.temperature } : {}),
    ...(request?.maxOutputTokens !== undefined ? { [genAi.requestMaxTokens]: request.maxOutputTokens } : {}),
    ...(event.responseModel !== undefined ? { [genAi.responseModel]: event.responseModel } : {}),
    ...(event.responseId !== undefined ? { [genAi.responseId]: event.responseId } : {}),
    ...(event.finishReason !== undefined ? { [genAi.responseFinishReasons]: [event.finishReason] } : {}),
    [genAi.usageInputTokens]: event.usage.inputTokens,
    [genAi.usageOutputTokens]: event.usage.outputTokens,
    ...(event.usage.cachedInputTokens
      ? { [genAi.usageCacheReadInputTokens]: event.usage.cachedInputTokens }
      : {}),
    ...(captureContent && content
      ? {
          ...(content.system !== undefined ? { [genAi.systemInstructions]: content.system } : {}),
          [genAi.inputMessages]: json(content.input),
          [genAi.outputMessages]: json(content.output),
        }
      : {}),
    'baton.run.id': event.runId,
    'baton.step.path': event.path,
    'baton.model': event.model,
    'baton.cost_usd': event.costUsd,
    'baton.cached': event.cached,
    ...(event.unpriced ? { 'baton.unpriced': true } : {}),
  };
}

/** A value as an attribute: strings as they are, anything else as JSON. */
export function json(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null');
}
