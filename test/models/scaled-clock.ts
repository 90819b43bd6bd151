import { type Clock, systemClock } from '../../src/core/index.js';

/**
 * A clock whose waits are real but shortened: `sleep(1500)` waits 15 ms at the default scale.
 * Backoff and Retry-After then take milliseconds while timeouts still race real network I/O.
 */
export function scaledClock(scale = 0.01): Clock {
  return {
    now: () => Date.now(),
    sleep: (ms, signal) => systemClock.sleep(ms * scale, signal),
  };
}
