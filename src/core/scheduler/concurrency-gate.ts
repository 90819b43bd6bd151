/**
 * A counting semaphore with a FIFO queue. Gates are owned by the engine, so one limit is shared by
 * every run in the process.
 */
export class ConcurrencyGate {
  readonly limit: number;
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Resolves when a slot is held; `undefined` (no promise) when one was free at once. */
  acquire(signal?: AbortSignal): Promise<void> | undefined {
    if (this.active < this.limit) {
      this.active++;
      return undefined;
    }
    // An aborted signal never fires `abort` again: refuse now rather than wait for a slot.
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        this.active++;
        resolve();
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  release(): void {
    this.active--;
    this.waiting.shift()?.();
  }

  get inUse(): number {
    return this.active;
  }
}
