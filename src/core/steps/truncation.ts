import { BatonError } from '../errors.js';
import type { StepContext } from '../runner/run-state.js';

/** The finish reason of an answer the provider cut off at the output limit. */
const cutOff = 'length';

/**
 * An answer cut off by the output limit is not an answer: `OUTPUT_TRUNCATED` (retryable), unless
 * the step says `onTruncate: accept`, when it is kept and this returns the note that says so.
 */
export function checkTruncation(
  context: StepContext,
  turn: { finishReason?: string | undefined; model: string; text: string },
  onTruncate: 'fail' | 'accept' | undefined,
  maxOutputTokens: number | undefined,
): string | undefined {
  if (turn.finishReason !== cutOff) return undefined;
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
