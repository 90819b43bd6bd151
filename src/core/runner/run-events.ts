import {
  type BatonEvent,
  type EventListener,
  isLiveEvent,
  type JournaledEvent,
  type StreamEvent,
} from '../events.js';
import type { Fence } from '../ports/store.js';
import { isolateListeners } from './isolate-listeners.js';
import type { EngineServices } from './run-state.js';

/**
 * The events of one execution of a run in this process: it numbers each journaled event, appends
 * it to the store (every event emitted in one turn of the event loop in one write, when the loop
 * turns; the SQLite and PostgreSQL stores commit it with the step records written then), calls the listeners,
 * and hands the event to each open `events` iterator of the run. Nothing here waits for a reader.
 */
export class RunFeed {
  /** The seq of the last journaled event emitted. */
  seq: number;
  ended = false;
  private readonly subscriptions = new Set<Subscription>();
  private readonly listeners: EventListener;
  private pending: JournaledEvent[] = [];
  /** The appends not yet known to have ended: gathered into one promise only when someone waits. */
  private writes: Array<Promise<void>> = [];
  private failure: unknown;

  constructor(
    private readonly services: EngineServices,
    readonly runId: string,
    private readonly fence: Fence | undefined,
    lastSeq: number,
    onEvent: EventListener | undefined,
  ) {
    this.seq = lastSeq;
    this.listeners = isolateListeners(services, onEvent);
  }

  readonly emit = (event: BatonEvent): void => {
    if (!isLiveEvent(event)) {
      // The event objects are made for this call, so the seq goes on them rather than on a copy.
      (event as JournaledEvent).seq = ++this.seq;
      // Journaled once the event loop turns: a run whose steps end within one turn (a chain of
      // quick steps on the memory store runs whole in one) appends its events in one write.
      if (this.pending.length === 0) setImmediate(this.flush);
      this.pending.push(event as JournaledEvent);
    }
    this.listeners(event);
    if (this.subscriptions.size > 0)
      for (const subscription of this.subscriptions) subscription.push(event as StreamEvent);
  };

  /** Resolves once every event emitted so far is journaled (or its append failed). */
  flushed(): Promise<void> {
    this.flush();
    const all = Promise.all(this.writes).then(ignore);
    this.writes = [all];
    return all;
  }

  /** Starts handing events to a reader; events after `boundary` arrive through it. */
  subscribe(capacity: number): Subscription {
    const subscription = new Subscription(this, capacity, () => this.subscriptions.delete(subscription));
    if (this.ended) subscription.end();
    else this.subscriptions.add(subscription);
    return subscription;
  }

  /** Journals what is left and ends the feed; throws the first append that failed. */
  async close(): Promise<void> {
    await this.flushed();
    this.end();
    if (this.failure !== undefined) throw this.failure;
  }

  /** Ends the feed for its readers (they go on from the journal) and unregisters it. */
  end(): void {
    // Whatever is still pending is appended (a lost lease's store refuses it), not dropped.
    this.flush();
    if (this.services.feeds.get(this.runId) === this) this.services.feeds.delete(this.runId);
    this.ended = true;
    for (const subscription of this.subscriptions) subscription.end();
    this.subscriptions.clear();
  }

  private readonly flush = (): void => {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const write = this.services.store.appendEvents(this.runId, batch, this.fence).catch(this.fail);
    this.writes.push(write);
    // A long run with no reader keeps only one promise per batch of appends still in flight.
    if (this.writes.length > 64) this.writes = [Promise.all(this.writes).then(ignore)];
  };

  private readonly fail = (error: unknown): void => {
    this.failure ??= error;
  };
}

function ignore(): void {}

/** Opens the feed of an execution that holds the run's lease; its seqs go on from the journal's. */
export async function openRunFeed(
  services: EngineServices,
  runId: string,
  fence: Fence | undefined,
  onEvent: EventListener | undefined,
): Promise<RunFeed> {
  const feed = new RunFeed(services, runId, fence, await services.store.lastEventSeq(runId), onEvent);
  services.feeds.set(runId, feed);
  for (const wake of services.feedWaiters.get(runId) ?? []) wake();
  return feed;
}

/**
 * One reader's bounded buffer on a feed. When it is full, live-only events (deltas) are dropped
 * first, then queued deltas make room; when only journaled events fill it, it is emptied and
 * marked `overflowed`, and the reader re-reads the journal from its last seq. The run never waits.
 */
export class Subscription {
  /** The feed's seq when the reader (re)attached: later events arrive here, earlier ones are in the journal. */
  boundary: number;
  overflowed = false;
  ended = false;
  private queue: StreamEvent[] = [];
  private head = 0;
  private wake: (() => void) | undefined;

  constructor(
    private readonly feed: RunFeed,
    private readonly capacity: number,
    private readonly detach: () => void,
  ) {
    this.boundary = feed.seq;
  }

  push(event: StreamEvent): void {
    if (this.overflowed) return;
    if (this.queue.length - this.head >= this.capacity) {
      if (isLiveEvent(event)) return;
      this.queue = this.queue.slice(this.head).filter((queued) => !isLiveEvent(queued));
      this.head = 0;
      if (this.queue.length >= this.capacity) {
        this.overflowed = true;
        this.queue = [];
        this.signal();
        return;
      }
    }
    this.queue.push(event);
    this.signal();
  }

  take(): StreamEvent | undefined {
    if (this.head >= this.queue.length) return undefined;
    const event = this.queue[this.head] as StreamEvent;
    this.queue[this.head] = undefined as unknown as StreamEvent;
    this.head += 1;
    if (this.head >= this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    return event;
  }

  /** After an overflow: take events again from now on; the reader reads up to `boundary` from the journal. */
  reattach(): void {
    this.boundary = this.feed.seq;
    this.overflowed = false;
    this.queue = [];
    this.head = 0;
  }

  end(): void {
    this.ended = true;
    this.signal();
  }

  close(): void {
    this.detach();
    this.wake = undefined;
  }

  /** Resolves when an event arrives, the feed ends or overflows, or `signal` aborts. */
  wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        signal?.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      if (signal?.aborted || this.ended || this.overflowed || this.head < this.queue.length) {
        resolve();
        return;
      }
      this.wake = done;
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private signal(): void {
    this.wake?.();
  }
}
