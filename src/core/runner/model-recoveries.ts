import type { SubCallRecord } from '../ports/store.js';
import type { RunState } from './run-state.js';

/** A model call the model layer tried again (429, 5xx, timeout) before the step saw an error. */
export interface ModelRetryRecord {
  type: 'retry';
  attempt: number;
  model: string;
  /** 1 for the first retry of a call. */
  retry: number;
  statusCode?: number;
  /** What the retry waited: the provider's Retry-After (with jitter) or the backoff. */
  delayMs: number;
  /** The wait the provider asked for, when it said. */
  retryAfterMs?: number;
  /** The error code and message of the failure that was retried. */
  code: string;
  message: string;
  time: number;
}

/** A model of a fallback chain that failed, and the one tried next. */
export interface ModelFallbackRecord {
  type: 'fallback';
  attempt: number;
  from: string;
  to: string;
  code: string;
  message: string;
  time: number;
}

export type ModelRecovery = ModelRetryRecord | ModelFallbackRecord;
/** A recovery as a step notes it; the step adds its attempt. */
export type ModelRecoveryNote = Omit<ModelRetryRecord, 'attempt'> | Omit<ModelFallbackRecord, 'attempt'>;

/** The journal's kind for the record of an attempt's retries and fallbacks. */
export const modelRecoveryKind = 'model-recovery';

/**
 * Journals what the model layer did to get an attempt's answers: its retries and fallbacks, kept
 * with the step however the attempt ended, so `baton show` can list them for a step that
 * succeeded. One record per attempt, at sequence `-attempt`: below the numbers agent turns, tool
 * calls and code-step calls count up from 0, and unique however many processes the step ran in.
 */
export async function journalModelRecoveries(
  run: RunState,
  path: string,
  attempt: number,
  recoveries: readonly ModelRecovery[],
): Promise<void> {
  if (recoveries.length === 0) return;
  await run.journal.writeSubCall({
    runId: run.id,
    path,
    sequence: -attempt,
    kind: modelRecoveryKind,
    response: { recoveries },
    createdAt: run.services.clock.now(),
  });
}

/** Every retry and fallback journaled for a step instance, oldest attempt first. */
export function modelRecoveriesOf(calls: readonly SubCallRecord[]): ModelRecovery[] {
  return calls
    .filter((call) => call.kind === modelRecoveryKind)
    .sort((a, b) => b.sequence - a.sequence)
    .flatMap((call) => (call.response as { recoveries?: ModelRecovery[] } | undefined)?.recoveries ?? []);
}
