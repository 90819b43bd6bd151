import type { BatonEvent, Engine, Store } from '../core/index.js';

/** An event as the API streams it: journaled ones carry their sequence number. */
export type FeedEvent = BatonEvent & { seq?: number };

const terminal = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * The events of runs executed by this server, numbered per run, for the event stream: what
 * happened so far, then live. Kept for the runs of this process only, the most recent 1,000.
 */
export class EventFeed {
  private readonly runs = new Map<string, FeedEvent[]>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly unsubscribe: () => void;

  constructor(
    engine: Engine,
    private readonly store: Store,
  ) {
    this.unsubscribe = engine.subscribe((event) => this.add(event));
  }

  close(): void {
    this.unsubscribe();
  }

  /** The run's events with a sequence number above `after`, then live ones until the run ends. */
  async *events(
    runId: string,
    options: { after?: number; signal?: AbortSignal } = {},
  ): AsyncIterable<FeedEvent> {
    let next = options.after ?? 0;
    while (!options.signal?.aborted) {
      const list = this.runs.get(runId) ?? [];
      for (const event of list.slice(next)) {
        next = event.seq ?? next;
        yield event;
        if (event.type === 'run-end' && terminal.has(event.status)) return;
      }
      if (list.length === 0) {
        const run = await this.store.getRun(runId);
        if (!run || terminal.has(run.status)) return;
      }
      await this.changed(runId, options.signal);
    }
  }

  private add(event: BatonEvent): void {
    let list = this.runs.get(event.runId);
    if (!list) {
      list = [];
      this.runs.set(event.runId, list);
      if (this.runs.size > 1000) this.runs.delete(this.runs.keys().next().value as string);
    }
    list.push({ ...event, seq: list.length + 1 });
    for (const wake of this.waiters.get(event.runId) ?? []) wake();
  }

  private changed(runId: string, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.waiters.get(runId) ?? new Set();
      this.waiters.set(runId, waiters);
      const done = () => {
        waiters.delete(done);
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      // A run executed by another process sends nothing here: look at the journal now and then.
      const timer = setTimeout(done, 2000);
      waiters.add(done);
      signal?.addEventListener('abort', done);
    });
  }
}
