import { BatonError } from '../errors.js';
import type { BatonEvent } from '../events.js';
import { modelFailureOf } from '../model-failure.js';
import type { ModelRecoveryNote } from '../runner/model-recoveries.js';
import { retryAfterOf } from '../runner/retry-policy.js';
import { loadedAiSdk } from './ai-sdk.js';

/**
 * Maps AI SDK errors; a 429 becomes RATE_LIMITED with the server's Retry-After. The message says
 * how many attempts the model layer made and how long the provider asked to wait; the hint fits
 * the status.
 */
export function fromModelError(error: unknown, stepPath: string, model: string, now: number): BatonError {
  if (BatonError.is(error)) return error;
  const ai = loadedAiSdk();
  const failure = modelFailureOf(error);
  const attempts = failure && failure.attempts > 1 ? ` after ${failure.attempts} attempts` : '';
  const provider = failure?.provider ?? model.split(':')[0] ?? model;
  const counted = failure ? { attempts: failure.attempts } : {};
  if (ai?.APICallError.isInstance(error)) {
    const status = error.statusCode;
    const limited = status === 429;
    // A 2xx that fails: the body broke off or did not parse after the headers said all was well.
    const broken = status !== undefined && status >= 200 && status < 300;
    const retryAfterMs = failure?.retryAfterMs ?? retryAfterOf(error.responseHeaders, now);
    const what = broken
      ? `the answer broke off or could not be read (${error.message})`
      : `${status ? `HTTP ${status}: ` : ''}${error.message}`;
    let wait = '';
    if (retryAfterMs !== undefined && failure?.maxRetryAfterMs !== undefined) {
      wait = ` The provider asked to wait ${seconds(retryAfterMs)}, longer than maxRetryAfterMs (${seconds(failure.maxRetryAfterMs)}), so no retry waited for it.`;
    } else if (retryAfterMs !== undefined && limited) {
      wait = ` The provider asked to wait ${seconds(retryAfterMs)}.`;
    }
    return new BatonError(
      limited ? 'RATE_LIMITED' : 'MODEL_CALL_FAILED',
      `Model ${model} failed in step "${stepPath}"${attempts}: ${wait && !/[.!?]$/.test(what) ? `${what}.` : what}${wait}`,
      {
        cause: error,
        stepPath,
        retryable: error.isRetryable,
        retryAfterMs,
        hint: statusHint(broken ? undefined : status, provider, failure?.rateLimited === true),
        details: { model, statusCode: status, responseBody: error.responseBody, ...counted },
      },
    );
  }
  if (ai?.NoObjectGeneratedError.isInstance(error)) {
    return new BatonError(
      'OUTPUT_INVALID',
      `Model ${model} did not return a valid object in step "${stepPath}": ${error.message}`,
      {
        cause: error,
        stepPath,
        retryable: true,
        hint: 'Simplify the output schema or describe the expected shape in the prompt.',
        details: { model, text: error.text, finishReason: error.finishReason },
      },
    );
  }
  const message = errorMessage(error);
  const retryable = (error as { isRetryable?: unknown } | null)?.isRetryable === true;
  return new BatonError(
    'MODEL_CALL_FAILED',
    `Model ${model} failed in step "${stepPath}"${attempts}: ${message}`,
    {
      cause: error,
      stepPath,
      retryable,
      details: { model, ...counted },
    },
  );
}

function seconds(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  return ms < 10_000 ? `${(ms / 1_000).toFixed(1)} s` : `${Math.round(ms / 1_000)} s`;
}

/** One actionable sentence for a provider's HTTP status (undefined: the connection failed). */
function statusHint(status: number | undefined, provider: string, rateLimited: boolean): string {
  if (status === undefined) {
    return 'The connection to the provider failed or broke off: check its base URL and your network, or give the step a fallback model (model: [primary, backup]).';
  }
  if (status === 401 || status === 403) {
    return `Check the API key of ${provider} (models.providers.${provider}.apiKey or its environment variable).`;
  }
  if (status === 404) return `Check the model name and the base URL of ${provider}.`;
  if (status === 429) {
    return rateLimited
      ? `Baton already limits ${provider}'s rate, and the provider still answered 429: lower models.providers.${provider}.rateLimit to the limits of your account, or run fewer steps at once.`
      : `Set models.providers.${provider}.rateLimit to the limits of your account, so bursts wait instead of failing.`;
  }
  if (status >= 500) {
    return 'The provider failed on its side: try again later, or give the step a fallback model (model: [primary, backup]).';
  }
  return 'The provider rejected the request: its answer is in the error details (responseBody).';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What the journal keeps of a `model-retry` or `model-fallback` event (the attempt is added by the step). */
export function recoveryOf(
  event: Extract<BatonEvent, { type: 'model-retry' | 'model-fallback' }>,
): ModelRecoveryNote {
  const { code, message } = event.error;
  if (event.type === 'model-fallback') {
    return { type: 'fallback', from: event.from, to: event.to, code, message, time: event.time };
  }
  return {
    type: 'retry',
    model: event.model,
    retry: event.retry,
    ...(event.statusCode === undefined ? {} : { statusCode: event.statusCode }),
    delayMs: event.delayMs,
    ...(event.retryAfterMs === undefined ? {} : { retryAfterMs: event.retryAfterMs }),
    code,
    message,
    time: event.time,
  };
}
