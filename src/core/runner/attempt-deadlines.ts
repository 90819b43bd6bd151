import { BatonError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { RunState, StepOutcome } from './run-state.js';

/** The two limits on an attempt's time, both on the engine's clock: its timeout and, once cancelled, its grace. */

/**
 * Waits up to the engine's cancel grace period for a cancelled step's work: resolves with what it
 * returned in time, else rejects with the cancel reason (the work's own error if it failed).
 */
export async function settleWithin(
  run: RunState,
  work: Promise<StepOutcome>,
  reason: unknown,
): Promise<StepOutcome> {
  // A process that lost the run may no longer write to it: waiting would change nothing.
  if (BatonError.is(reason, 'LEASE_LOST')) throw reason;
  const grace = new AbortController();
  const expired = run.services.clock.sleep(run.services.cancelGraceMs, grace.signal).then(
    () => Promise.reject(reason),
    () => new Promise<never>(() => {}),
  );
  try {
    return await Promise.race([work, expired]);
  } finally {
    grace.abort();
  }
}

/** A per-attempt deadline on the engine's clock: aborts the step's signal and rejects when the timeout passes. */
export function startDeadline(clock: Clock, timeoutMs: number, parent: AbortSignal, path: string) {
  const controller = new AbortController();
  const cleared = new AbortController();
  const expired = clock.sleep(timeoutMs, cleared.signal).then(
    () => {
      const error = new BatonError(
        'STEP_TIMEOUT',
        `Step "${path}" took longer than its timeout of ${timeoutMs} ms.`,
        {
          stepPath: path,
          retryable: true,
          hint: 'Raise `timeout` on the step, or make it faster.',
        },
      );
      controller.abort(error);
      throw error;
    },
    () => new Promise<never>(() => {}),
  );
  expired.catch(() => {});
  return {
    signal: AbortSignal.any([parent, controller.signal]),
    expired,
    clear: () => cleared.abort(),
  };
}
