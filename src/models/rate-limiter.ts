import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import type { Clock } from '../core/index.js';
import type { RateLimits } from './model-config.js';

/** A granted slot; release it when the call ends, with the tokens it really used when known. */
export interface RatePermit {
  release(usedTokens?: number): void;
  /**
   * The request is being sent now (its HTTP request starts): the allowance for reaching the server
   * counts from here rather than from the grant, so work done before sending cannot make it late.
   */
  markSent(): void;
}

/**
 * The permit of the model call running in this async context, so the fetch of an HTTP provider
 * can mark when its request goes out.
 */
export const currentPermit = new AsyncLocalStorage<RatePermit>();

let watching = false;

/**
 * Marks a permit sent when Node's fetch writes the request's headers to the socket, which is when
 * the server starts receiving it, however long connecting or a busy event loop delayed it.
 * Subscribed once, on the first request through a provider's fetch.
 */
export function watchSentRequests(): void {
  if (watching) return;
  watching = true;
  const permits = new WeakMap<object, RatePermit>();
  diagnostics.subscribe('undici:request:create', (message) => {
    const permit = currentPermit.getStore();
    const request = (message as { request?: object }).request;
    if (permit && request) permits.set(request, permit);
  });
  diagnostics.subscribe('undici:client:sendHeaders', (message) => {
    const request = (message as { request?: object }).request;
    if (request) permits.get(request)?.markSent();
  });
}

interface Entry {
  tokens: number;
  start: number;
  /** Undefined while the request is in flight. */
  end: number | undefined;
}

/**
 * How long after it is started a request is assumed to have reached the server:
 * `RateLimits.sendAllowanceMs`, by default 1% of the window and at least 200 ms (600 ms on a
 * 60 s window).
 */
export function sendAllowanceOf(limits: RateLimits): number {
  const windowMs = limits.windowMs ?? 60_000;
  return limits.sendAllowanceMs ?? Math.max(200, windowMs / 100);
}

interface Waiter {
  tokens: number;
  resolve: (permit: RatePermit) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * Requests per minute, tokens per minute and concurrent requests for one provider, shared by
 * every caller. Callers wait in order (first come, first served) instead of failing.
 *
 * The server counts a request when it arrives, which is soon after it is sent, however long the
 * answer then takes. So a request counts until a full window after it arrived: after it ended, or
 * after {@link sendAllowanceOf} from its start, whichever is first. Counting from the end instead
 * would hold a slot for the whole answer and lose throughput on slow answers. Limits are per
 * process: processes sharing one key each need their share of the limit.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ requestsPerMinute: 500, concurrency: 8 }, systemClock);
 * const permit = await limiter.acquire(1_200, signal);
 * try { await call(); } finally { permit.release(); }
 * ```
 */
export class RateLimiter {
  #limits: RateLimits;
  readonly #clock: Clock;
  readonly #entries: Entry[] = [];
  readonly #queue: Waiter[] = [];
  #pausedUntil = 0;
  // Counted apart from the entries: a request longer than a window leaves the window in flight.
  #inFlight = 0;
  #wakeAt = Number.POSITIVE_INFINITY;
  #wakeTimer: AbortController | undefined;

  constructor(limits: RateLimits, clock: Clock) {
    this.#limits = limits;
    this.#clock = clock;
  }

  /** Replaces the limits, e.g. when a config is loaded again; waiting callers are re-checked. */
  setLimits(limits: RateLimits): void {
    this.#limits = limits;
    this.#pump();
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Requests in flight. */
  get active(): number {
    return this.#inFlight;
  }

  /** Waits until a request of about `tokens` tokens fits every limit. The signal abandons the wait. */
  acquire(tokens: number, signal?: AbortSignal): Promise<RatePermit> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<RatePermit>((resolve, reject) => {
      const waiter: Waiter = {
        tokens: Math.max(0, tokens),
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.#queue.indexOf(waiter);
          if (index !== -1) this.#queue.splice(index, 1);
          reject(signal?.reason);
          this.#pump();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#queue.push(waiter);
      this.#pump();
    });
  }

  /** Grants nothing for `ms`: the provider answered 429 and said how long to back off. */
  pause(ms: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#clock.now() + ms);
    this.#pump();
  }

  #pump(): void {
    const now = this.#clock.now();
    const windowMs = this.#limits.windowMs ?? 60_000;
    this.#prune(now, windowMs);
    while (this.#queue.length > 0) {
      const waiter = this.#queue[0] as Waiter;
      const blockedUntil = this.#blockedUntil(waiter, now, windowMs);
      if (blockedUntil !== undefined) {
        // Infinity means only a release can free a slot, and a release pumps again.
        if (Number.isFinite(blockedUntil)) this.#wake(blockedUntil, now);
        return;
      }
      this.#queue.shift();
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(this.#grant(waiter.tokens));
    }
  }

  /** When the waiter could go next, or undefined if it can go now. */
  #blockedUntil(waiter: Waiter, now: number, windowMs: number): number | undefined {
    const { requestsPerMinute, tokensPerMinute, concurrency } = this.#limits;
    if (now < this.#pausedUntil) return this.#pausedUntil;
    if (concurrency !== undefined && this.active >= concurrency) return Number.POSITIVE_INFINITY;
    if (requestsPerMinute !== undefined && this.#entries.length >= requestsPerMinute) {
      return this.#firstExpiry(windowMs);
    }
    if (tokensPerMinute !== undefined && this.#entries.length > 0) {
      const used = this.#entries.reduce((sum, entry) => sum + entry.tokens, 0);
      // A request larger than the whole budget still goes once the window is empty.
      if (used + waiter.tokens > tokensPerMinute) return this.#firstExpiry(windowMs);
    }
    return undefined;
  }

  #grant(tokens: number): RatePermit {
    const entry: Entry = { tokens, start: this.#clock.now(), end: undefined };
    this.#entries.push(entry);
    this.#inFlight++;
    let released = false;
    return {
      markSent: () => {
        if (!released) entry.start = this.#clock.now();
      },
      release: (usedTokens) => {
        if (released) return;
        released = true;
        this.#inFlight--;
        entry.end = this.#clock.now();
        if (usedTokens !== undefined && Number.isFinite(usedTokens)) entry.tokens = usedTokens;
        this.#pump();
      },
    };
  }

  #firstExpiry(windowMs: number): number {
    let first = Number.POSITIVE_INFINITY;
    const allowance = sendAllowanceOf(this.#limits);
    for (const entry of this.#entries) first = Math.min(first, expiryOf(entry, windowMs, allowance));
    return first;
  }

  #prune(now: number, windowMs: number): void {
    const allowance = sendAllowanceOf(this.#limits);
    for (let index = this.#entries.length - 1; index >= 0; index--) {
      const entry = this.#entries[index];
      if (entry && expiryOf(entry, windowMs, allowance) <= now) this.#entries.splice(index, 1);
    }
  }

  #wake(at: number, now: number): void {
    if (this.#wakeTimer && this.#wakeAt <= at) return;
    this.#wakeTimer?.abort();
    const timer = new AbortController();
    this.#wakeTimer = timer;
    this.#wakeAt = at;
    this.#clock.sleep(Math.max(0, at - now), timer.signal).then(
      () => {
        if (this.#wakeTimer !== timer) return;
        this.#wakeTimer = undefined;
        this.#wakeAt = Number.POSITIVE_INFINITY;
        this.#pump();
      },
      // Aborted because an earlier wake-up replaced this one.
      () => undefined,
    );
  }
}

/** When a request stops counting: a window after it reached the server (see RateLimiter). */
function expiryOf(entry: Entry, windowMs: number, allowanceMs: number): number {
  const arrived = Math.min(entry.end ?? Number.POSITIVE_INFINITY, entry.start + allowanceMs);
  return arrived + windowMs;
}

/**
 * A budget shared by processes (the distributed workers keep it in PostgreSQL): asked for each
 * request after the process's own limiter has let it go, so the limits hold across machines.
 */
export interface SharedRateBudget {
  /** Counts a request of about `tokens` tokens if every limit allows it now; else says when to ask again. */
  take(key: string, limits: RateLimits, tokens: number): Promise<{ id: string } | { retryAt: number }>;
  /** The request ended, with the tokens it really used when known: it counts until a window after it arrived. */
  settle(key: string, id: string, limits: RateLimits, usedTokens?: number): Promise<void>;
  /** Grants nothing under `key` until `until` (epoch ms): a provider answered 429 with Retry-After. */
  pause(key: string, until: number): Promise<void>;
}

/**
 * A limiter whose grants also take a slot of a {@link SharedRateBudget}: the process's queue
 * keeps its callers in order, the shared budget keeps every process together within the limits.
 */
export class SharedRateLimiter extends RateLimiter {
  #shared: { key: string; budget: SharedRateBudget; clock: Clock; limits: RateLimits };

  constructor(key: string, limits: RateLimits, clock: Clock, budget: SharedRateBudget) {
    super(limits, clock);
    this.#shared = { key, budget, clock, limits };
  }

  override setLimits(limits: RateLimits): void {
    super.setLimits(limits);
    if (this.#shared) this.#shared.limits = limits;
  }

  override async acquire(tokens: number, signal?: AbortSignal): Promise<RatePermit> {
    const local = await super.acquire(tokens, signal);
    const { key, budget, clock } = this.#shared;
    try {
      for (;;) {
        const taken = await budget.take(key, this.#shared.limits, tokens);
        if ('id' in taken) {
          const limits = this.#shared.limits;
          return {
            markSent: () => local.markSent(),
            release: (usedTokens) => {
              local.release(usedTokens);
              // A settle the database missed only keeps the request counted to its full window.
              void budget.settle(key, taken.id, limits, usedTokens).catch(() => {});
            },
          };
        }
        await clock.sleep(Math.max(5, taken.retryAt - clock.now()), signal);
      }
    } catch (error) {
      local.release(0);
      throw error;
    }
  }

  override pause(ms: number): void {
    super.pause(ms);
    const { key, budget, clock } = this.#shared;
    void budget.pause(key, clock.now() + ms).catch(() => {});
  }
}

/**
 * Rate limiters by provider, so every registry and every run of the process draws from the same
 * budget. A second request for the same key with other limits updates them. With a shared budget,
 * every process drawing from it does too.
 *
 * @example
 * ```ts
 * const limiter = processRateLimiters.get('openai', { requestsPerMinute: 500 }, systemClock);
 * ```
 */
export class RateLimiterPool {
  readonly #limiters = new Map<string, RateLimiter>();
  readonly #shared: SharedRateBudget | undefined;

  constructor(options: { shared?: SharedRateBudget } = {}) {
    this.#shared = options.shared;
  }

  get(key: string, limits: RateLimits, clock: Clock): RateLimiter {
    const existing = this.#limiters.get(key);
    if (existing) {
      existing.setLimits(limits);
      return existing;
    }
    const limiter = this.#shared
      ? new SharedRateLimiter(key, limits, clock, this.#shared)
      : new RateLimiter(limits, clock);
    this.#limiters.set(key, limiter);
    return limiter;
  }
}

/** The limiters shared by everything in this process. */
export const processRateLimiters = new RateLimiterPool();
