import { randomBytes } from 'node:crypto';
import { type Clock, ConcurrencyGate, systemClock } from '../core/index.js';
import { RateLimiterPool, type SharedRateBudget, sendAllowanceOf } from '../models/rate-limiter.js';
import type { PostgresStore } from '../store/postgres/postgres-store.js';

export interface SharedLimitsOptions {
  clock?: Clock;
  /**
   * How long a concurrency slot stays taken if its holder never gives it back (its worker died).
   * Default 10 minutes: longer than a model call or a limited step should take.
   */
  holdMs?: number;
}

/**
 * Rate limits kept in the PostgreSQL journal (`limiter_holds`), shared by every process pointing
 * at it. Each grant is one transaction under an advisory lock on its key, so the counts are exact
 * across processes; times are each machine's clock, so clock skew between machines adds to (or
 * takes from) the window. A request counts from its grant until a window after it reached the
 * server (its end, or its grant plus the send allowance), as the in-process limiter counts.
 */
export function postgresRateBudget(
  store: PostgresStore,
  options: SharedLimitsOptions = {},
): SharedRateBudget {
  const clock = options.clock ?? systemClock;
  const holdMs = options.holdMs ?? 600_000;
  return {
    take: (key, limits, tokens) =>
      store.inTransaction('take a rate limit slot', async (client) => {
        const now = clock.now();
        // Another grant of this key is being decided: ask again at once rather than hold a
        // connection waiting, which would starve the worker's lease renewals.
        const { rows: locked } = await client.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked',
          [`baton:${store.schema}:${key}`],
        );
        if (!locked[0]?.locked) return { retryAt: now + 5 + Math.random() * 10 };
        await client.query('DELETE FROM limiter_holds WHERE key = $1 AND until <= $2', [key, now]);
        const windowMs = limits.windowMs ?? 60_000;
        const allowance = sendAllowanceOf(limits);
        // A request still in flight (granted less than the allowance ago) counts until a window
        // after its end, which is a window after its grant at the earliest.
        const { rows } = await client.query<{
          requests: number;
          tokens: number;
          running: number;
          settled: number | null;
          flying: number | null;
          paused: number | null;
        }>(
          `SELECT count(*) FILTER (WHERE id LIKE 'r:%')::int AS requests,
             coalesce(sum(amount) FILTER (WHERE id LIKE 'r:%'), 0)::float8 AS tokens,
             count(*) FILTER (WHERE id LIKE 'c:%')::int AS running,
             min(until) FILTER (WHERE id LIKE 'r:%' AND until <= $2) AS settled,
             min(until) FILTER (WHERE id LIKE 'r:%' AND until > $2) AS flying,
             max(until) FILTER (WHERE id LIKE 'p:%') AS paused
           FROM limiter_holds WHERE key = $1`,
          [key, now + windowMs],
        );
        const used = rows[0] as (typeof rows)[number];
        const { requestsPerMinute, tokensPerMinute, concurrency } = limits;
        const nextFree = Math.min(
          used.settled ?? Number.POSITIVE_INFINITY,
          used.flying === null ? Number.POSITIVE_INFINITY : used.flying - allowance,
          now + windowMs,
        );
        if (used.paused !== null) return { retryAt: used.paused };
        // Only an end frees a concurrency slot: ask again soon.
        if (concurrency !== undefined && used.running >= concurrency) return { retryAt: now + 20 };
        if (requestsPerMinute !== undefined && used.requests >= requestsPerMinute)
          return { retryAt: nextFree };
        // A request larger than the whole budget still goes once the window is empty.
        if (tokensPerMinute !== undefined && used.requests > 0 && used.tokens + tokens > tokensPerMinute) {
          return { retryAt: nextFree };
        }
        const id = randomBytes(8).toString('hex');
        if (requestsPerMinute !== undefined || tokensPerMinute !== undefined) {
          const until = now + allowance + windowMs;
          await client.query('INSERT INTO limiter_holds (key, id, amount, until) VALUES ($1, $2, $3, $4)', [
            key,
            `r:${id}`,
            tokens,
            until,
          ]);
        }
        if (concurrency !== undefined) {
          await client.query('INSERT INTO limiter_holds (key, id, amount, until) VALUES ($1, $2, 1, $3)', [
            key,
            `c:${id}`,
            now + holdMs,
          ]);
        }
        return { id };
      }),
    async settle(key, id, limits, usedTokens) {
      const now = clock.now();
      await store.pool.query(
        `UPDATE limiter_holds SET until = least(until, $3::bigint), amount = coalesce($4::float8, amount)
         WHERE key = $1 AND id = $2`,
        [key, `r:${id}`, now + (limits.windowMs ?? 60_000), usedTokens ?? null],
      );
      await store.pool.query('DELETE FROM limiter_holds WHERE key = $1 AND id = $2', [key, `c:${id}`]);
    },
    async pause(key, until) {
      await store.pool.query('INSERT INTO limiter_holds (key, id, amount, until) VALUES ($1, $2, 0, $3)', [
        key,
        `p:${randomBytes(8).toString('hex')}`,
        until,
      ]);
    },
  };
}

/**
 * Rate limiters for a model registry whose per-provider limits hold across every worker of the
 * journal: pass it as `createModelRegistry(config, { rateLimiters })`.
 */
export function sharedRateLimiters(store: PostgresStore, options: SharedLimitsOptions = {}): RateLimiterPool {
  return new RateLimiterPool({ shared: postgresRateBudget(store, options) });
}

/**
 * A workflow `limits` gate held across workers: a slot is taken in this process first, then in
 * the journal, so at most `limit` steps under the name run at once on all workers together.
 */
export class SharedConcurrencyGate extends ConcurrencyGate {
  readonly #held: string[] = [];
  readonly #budget: SharedRateBudget;
  readonly #key: string;
  readonly #clock: Clock;

  constructor(limit: number, name: string, budget: SharedRateBudget, clock: Clock = systemClock) {
    super(limit);
    this.#budget = budget;
    this.#key = `limit:${name}`;
    this.#clock = clock;
  }

  override acquire(signal?: AbortSignal): Promise<void> {
    return (async () => {
      await super.acquire(signal);
      try {
        for (;;) {
          const taken = await this.#budget.take(this.#key, { concurrency: this.limit }, 0);
          if ('id' in taken) {
            this.#held.push(taken.id);
            return;
          }
          await this.#clock.sleep(Math.max(5, taken.retryAt - this.#clock.now()), signal);
        }
      } catch (error) {
        super.release();
        throw error;
      }
    })();
  }

  override release(): void {
    const id = this.#held.shift();
    // A slot the database did not hear back about is freed when its hold runs out.
    if (id !== undefined) void this.#budget.settle(this.#key, id, {}).catch(() => {});
    super.release();
  }
}
