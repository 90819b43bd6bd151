import type pg from 'pg';

/** The channel appends notify on, with `schema:runId` as the payload. */
export const eventsChannel = 'baton_events';

/**
 * Wakes readers of a run's events when any process appends to it: one pooled connection LISTENs
 * while anyone follows a run, and is released when the last one stops. A follower that cannot
 * LISTEN (the connection failed) is simply not woken; readers still read the journal on a timer.
 * @internal
 */
export class PostgresEventFollower {
  private readonly followers = new Map<string, Set<() => void>>();
  private listening: Promise<pg.PoolClient> | undefined;

  constructor(
    private readonly connect: () => Promise<pg.PoolClient>,
    private readonly schema: string,
  ) {}

  follow(runId: string, onWake: () => void): () => void {
    let wakes = this.followers.get(runId);
    if (!wakes) {
      wakes = new Set();
      this.followers.set(runId, wakes);
    }
    wakes.add(onWake);
    if (!this.listening) {
      this.listening = this.listen();
      this.listening.catch(() => {
        this.listening = undefined;
      });
    }
    return () => {
      wakes.delete(onWake);
      if (wakes.size === 0 && this.followers.get(runId) === wakes) this.followers.delete(runId);
      if (this.followers.size === 0) void this.unlisten();
    };
  }

  /** Stops following every run and releases the connection. */
  async close(): Promise<void> {
    this.followers.clear();
    await this.unlisten();
  }

  private async listen(): Promise<pg.PoolClient> {
    const client = await this.connect();
    client.on('error', () => {
      this.listening = undefined;
    });
    client.on('notification', (message) => {
      if (message.channel !== eventsChannel || !message.payload?.startsWith(`${this.schema}:`)) return;
      const runId = message.payload.slice(this.schema.length + 1);
      for (const wake of this.followers.get(runId) ?? []) wake();
    });
    await client.query(`LISTEN ${eventsChannel}`);
    return client;
  }

  private async unlisten(): Promise<void> {
    const listening = this.listening;
    this.listening = undefined;
    const client = await listening?.catch(() => undefined);
    if (!client) return;
    await client.query(`UNLISTEN ${eventsChannel}`).catch(() => {});
    client.release();
  }
}
