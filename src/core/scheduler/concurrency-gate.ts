interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  /** Granted, or dropped when its signal aborted: a dropped waiter stays in the queue, skipped. */
  settled: boolean;
}

/**
 * A counting semaphore with a FIFO queue. Gates are owned by the engine, so one limit is shared by
 * every run in the process.
 */
export class ConcurrencyGate {
  readonly limit: number;
  private active = 0;
  private queue: Array<Waiter | undefined> = [];
  private head = 0;
  /**
   * The waiters under each signal, with the one abort listener the signal has: a fan-out of
   * thousands of steps queues them all under its level's signal, and adding and removing a
   * listener for each costs more than the rest of the step.
   */
  private readonly watched = new Map<AbortSignal, { waiters: Set<Waiter>; onAbort: () => void }>();

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
      const waiter: Waiter = { resolve, reject, signal, settled: false };
      this.queue.push(waiter);
      if (signal) this.watch(signal, waiter);
    });
  }

  release(): void {
    this.active--;
    while (this.head < this.queue.length) {
      const waiter = this.queue[this.head];
      this.queue[this.head++] = undefined;
      if (waiter === undefined || waiter.settled) continue;
      waiter.settled = true;
      if (waiter.signal) this.unwatch(waiter.signal, waiter);
      this.active++;
      waiter.resolve();
      break;
    }
    // Drop the granted part of the queue now and then, rather than shifting on every grant.
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  get inUse(): number {
    return this.active;
  }

  private watch(signal: AbortSignal, waiter: Waiter): void {
    let entry = this.watched.get(signal);
    if (entry === undefined) {
      const waiters = new Set<Waiter>();
      const onAbort = () => {
        this.watched.delete(signal);
        for (const dropped of waiters) {
          dropped.settled = true;
          dropped.reject(signal.reason);
        }
      };
      entry = { waiters, onAbort };
      this.watched.set(signal, entry);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    entry.waiters.add(waiter);
  }

  private unwatch(signal: AbortSignal, waiter: Waiter): void {
    const entry = this.watched.get(signal);
    if (entry === undefined) return;
    entry.waiters.delete(waiter);
    if (entry.waiters.size > 0) return;
    this.watched.delete(signal);
    signal.removeEventListener('abort', entry.onAbort);
  }
}
