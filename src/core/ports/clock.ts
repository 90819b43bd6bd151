/** Time, behind a port so tests can run backoff and timeouts without real waiting. */
export interface Clock {
  now(): number;
  /**
   * Resolves after `ms`, or rejects with the signal's reason when it aborts first. With
   * `keepAlive: false` the wait does not keep the process alive (a lease renewal, a deadline
   * of a waiting run), like an unref'd timer.
   */
  sleep(ms: number, signal?: AbortSignal, options?: { keepAlive?: boolean }): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal, options) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      if (options?.keepAlive === false) timer.unref();
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
