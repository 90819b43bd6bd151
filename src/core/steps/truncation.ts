import { BatonError } from '../errors.js';
import type { StepContext } from '../runner/run-state.js';

/** The finish reason of an answer the provider cut off at the output limit. */
const cutOff = 'length';

/**
 * The raw finish reason of a provider that stopped a model at its own default output limit, one
 * that exists only to end a model that never stops on its own (the local provider's, when the
 * step sets no `maxOutputTokens`). Such an ending is the model's end, not a cut the step asked for.
 */
export const defaultLimitFinishReason = 'default-output-limit';

/** Stopped at a provider's default limit for models that never stop: the answer's end, kept. */
export function endedAtDefaultLimit(
  turn: { finishReason?: string | undefined; rawFinishReason?: string | undefined },
  maxOutputTokens: number | undefined,
): boolean {
  return (
    turn.finishReason === cutOff &&
    maxOutputTokens === undefined &&
    turn.rawFinishReason === defaultLimitFinishReason
  );
}

/**
 * An answer cut off by the output limit is not an answer: `OUTPUT_TRUNCATED` (retryable), unless
 * the step says `onTruncate: accept`, when it is kept and this returns the note that says so.
 * An answer stopped at a provider's default limit for models that never stop (the step set no
 * `maxOutputTokens`, see {@link defaultLimitFinishReason}) is kept with a note either way.
 */
export function checkTruncation(
  context: StepContext,
  turn: {
    finishReason?: string | undefined;
    rawFinishReason?: string | undefined;
    model: string;
    text: string;
  },
  onTruncate: 'fail' | 'accept' | undefined,
  maxOutputTokens: number | undefined,
): string | undefined {
  if (turn.finishReason !== cutOff) return undefined;
  if (endedAtDefaultLimit(turn, maxOutputTokens)) {
    return "stopped at the provider's default output limit (the step sets no maxOutputTokens)";
  }
  const limit = maxOutputTokens === undefined ? 'the output limit' : `maxOutputTokens (${maxOutputTokens})`;
  if (onTruncate === 'accept') {
    const { run, path } = context;
    const time = run.services.clock.now();
    run.emit({ type: 'output-truncated', runId: run.id, path, model: turn.model, time });
    return `answer cut off at ${limit}, kept (onTruncate: accept)`;
  }
  throw new BatonError(
    'OUTPUT_TRUNCATED',
    `Model ${turn.model} stopped at ${limit} in step "${context.path}": the answer is cut off.`,
    {
      stepPath: context.path,
      retryable: true,
      hint: 'Raise maxOutputTokens, ask for a shorter answer, or set `onTruncate: accept` to keep it.',
      details: { model: turn.model, text: turn.text, finishReason: turn.finishReason },
    },
  );
}
