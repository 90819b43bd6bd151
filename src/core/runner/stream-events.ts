import { isLiveEvent, type JournaledEvent, type StreamEvent } from '../events.js';
import { requireRun } from './require-run.js';
import type { EngineServices } from './run-state.js';

export interface EventStreamOptions {
  /** Yield journaled events with a seq above this one (an SSE `Last-Event-ID`). Default 0: all of them. */
  after?: number;
  /** Ends the stream (quietly) when aborted. */
  signal?: AbortSignal;
  /** Keep following a run that ends `waiting` (it may be continued later). Default false. */
  follow?: boolean;
}

/** Events read from the journal at once. */
const pageSize = 1000;

/**
 * A run's events: the journal from `after`, then live ones without a gap or a duplicate. A run
 * executing in this process is followed through its feed; one executing elsewhere (or not at all)
 * through the journal, woken by the store's `followEvents` when it has one, else every 200 ms.
 * Ends at a `run-end` when nothing follows it (a `waiting` one only without `follow`). With
 * `execution`, the stream is that one execution's: it ends at its first `run-end`, and rethrows
 * the execution's failure when it ended without one.
 */
export async function* streamEvents(
  services: EngineServices,
  runId: string,
  options: EventStreamOptions = {},
  execution?: Promise<unknown>,
): AsyncGenerator<StreamEvent, void, undefined> {
  const { store } = services;
  const { signal } = options;
  const once = execution !== undefined;
  const ends = (event: JournaledEvent) =>
    event.type === 'run-end' && (once || event.status !== 'waiting' || options.follow !== true);
  if (!once) await requireRun(store, runId);
  let last = options.after ?? 0;
  // The last journaled event seen: a stream that starts at the end of an ended run ends at once.
  let tail =
    last > 0 && !once ? (await store.readEvents(runId, { after: last - 1, limit: 1 }))[0] : undefined;
  let woken = false;
  let wake: (() => void) | undefined;
  let unfollow: (() => void) | undefined;
  try {
    while (!signal?.aborted) {
      const feed = services.feeds.get(runId);
      if (feed) {
        const subscription = feed.subscribe(services.eventBufferSize);
        try {
          for (;;) {
            if (last < subscription.boundary) {
              // What was emitted before the reader attached is read from the journal once it is there.
              await feed.flushed();
              while (last < subscription.boundary) {
                const limit = Math.min(pageSize, subscription.boundary - last);
                const events = await store.readEvents(runId, { after: last, limit });
                // Appends a lost lease refused never arrive: go on with what follows.
                if (events.length === 0) break;
                for (const event of events) {
                  yield event;
                  last = event.seq;
                  tail = event;
                  if (once && ends(event)) return;
                }
                if (signal?.aborted) return;
              }
            }
            const event = subscription.take();
            if (event === undefined) {
              if (subscription.overflowed) subscription.reattach();
              else if (subscription.ended) break;
              else await subscription.wait(signal);
              if (signal?.aborted) return;
              continue;
            }
            if (isLiveEvent(event)) {
              yield event;
              continue;
            }
            if (event.seq <= last) continue;
            yield event;
            last = event.seq;
            tail = event;
            if (ends(event)) return;
          }
        } finally {
          subscription.close();
        }
        continue;
      }
      const events = await store.readEvents(runId, { after: last, limit: pageSize });
      for (const event of events) {
        yield event;
        last = event.seq;
        tail = event;
        if (once && ends(event)) return;
      }
      if (events.length === pageSize || services.feeds.has(runId)) continue;
      if (once) {
        // The execution has ended and journaled all it emitted, without a run-end: it failed.
        await execution;
        return;
      }
      if (tail && ends(tail)) return;
      if (store.followEvents && !unfollow) {
        unfollow = store.followEvents(runId, () => {
          woken = true;
          wake?.();
        });
      }
      if (!woken) {
        await new Promise<void>((resolve) => {
          // A run continued in this process (an approval, a resume) wakes its readers at once.
          const waiters = services.feedWaiters.get(runId) ?? new Set<() => void>();
          services.feedWaiters.set(runId, waiters);
          const done = () => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            waiters.delete(done);
            if (waiters.size === 0 && services.feedWaiters.get(runId) === waiters)
              services.feedWaiters.delete(runId);
            wake = undefined;
            resolve();
          };
          // With notifications the timer is only a safety net for one that was missed.
          const timer = setTimeout(done, unfollow ? 2000 : 200);
          waiters.add(done);
          wake = done;
          signal?.addEventListener('abort', done, { once: true });
        });
      }
      woken = false;
    }
  } finally {
    unfollow?.();
  }
}
