import type { Clock } from 'baton';

/** A clock that moves only when told to; waiting on it takes no real time. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
}

/**
 * A clock for example tests: backoff and Retry-After waits pass at once (they move the clock
 * forward), and a scripted model can `advance` it to give a step an exact duration.
 *
 * @example
 * ```ts
 * const clock = createManualClock();
 * const model = createScriptedModel(() => { clock.advance(1_200); return 'done'; });
 * const baton = createBaton({ clock, models: { default: model } });
 * ```
 */
export function createManualClock(start = Date.UTC(2025, 0, 6, 9, 0, 0)): ManualClock {
  let now = start;
  return {
    now: () => now,
    advance(ms) {
      now += ms;
    },
    async sleep(ms, signal) {
      if (signal?.aborted) throw signal.reason;
      now += ms;
    },
  };
}
