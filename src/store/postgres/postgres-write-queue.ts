import type pg from 'pg';
import { type Fence, leaseLost } from '../../core/index.js';
import {
  type BatchedTable,
  batchedTables,
  batchUpsertSql,
  postgresSql as sql,
} from './postgres-statements.js';

/**
 * One journal write: rows to upsert, statements to run, the blobs they refer to, and its lease epoch.
 * @internal
 */
export interface QueuedWrite {
  runId: string;
  fence: Fence | undefined;
  blobs: Array<[string, string]>;
  rows?: Array<[BatchedTable, unknown[]]>;
  statements?: Array<{ text: string; values: unknown[]; check?: (result: pg.QueryResult) => void }>;
}

interface Pending extends QueuedWrite {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Group commit for the PostgreSQL journal: writes made while a transaction is in flight wait for
 * it and then commit together in the next one, with one statement per table (the last row per key
 * wins, as it would have row by row), so a fan-out pays a few round trips and one WAL flush for
 * many steps. Writes are applied in the order they were made. A fenced write whose epoch is no
 * longer the lease's is refused on its own with `LEASE_LOST`; the others of its batch commit.
 * @internal
 */
export class PostgresWriteQueue {
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private readonly upserts = new Map<BatchedTable, string>();

  constructor(
    private readonly connect: () => Promise<pg.PoolClient>,
    private readonly failure: (error: unknown) => unknown,
  ) {}

  write(write: QueuedWrite): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ ...write, resolve, reject });
      this.flushing ??= this.drain();
    });
  }

  /** Resolves once every write queued so far has committed or failed. */
  async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async drain(): Promise<void> {
    // Let the writes made in this turn of the event loop join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        await this.commit(batch);
      }
    } finally {
      this.flushing = undefined;
    }
  }

  /** Commits a batch, making it again when the database chose it as a deadlock's victim. */
  private async commit(batch: Pending[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const retry = await this.commitOnce(batch, attempt < 5);
      if (!retry) return;
    }
  }

  /** True when the batch was rolled back as a deadlock's victim and should be made again. */
  private async commitOnce(batch: Pending[], mayRetry: boolean): Promise<boolean> {
    let client: pg.PoolClient | undefined;
    const refused = new Map<Pending, unknown>();
    try {
      client = await this.connect();
      await client.query('BEGIN');
      const fenced = [
        ...new Set(batch.filter((write) => write.fence !== undefined).map((write) => write.runId)),
      ];
      const epochs = new Map<string, number>();
      if (fenced.length > 0) {
        // FOR SHARE: a claim (an UPDATE of these rows) waits until this batch commits.
        const { rows } = await client.query<{ run_id: string; epoch: number }>(sql.selectEpochsForShare, [
          fenced,
        ]);
        for (const row of rows) epochs.set(row.run_id, row.epoch);
      }
      const accepted = batch.filter((write) => {
        if (write.fence === undefined || epochs.get(write.runId) === write.fence) return true;
        refused.set(write, leaseLost(write.runId, write.fence, epochs.get(write.runId)));
        return false;
      });
      // In hash order: two transactions inserting the same blobs then wait on each other in one order.
      const blobs = [...new Map(accepted.flatMap((write) => write.blobs))].sort(([a], [b]) =>
        a < b ? -1 : 1,
      );
      if (blobs.length > 0) {
        await client.query(sql.insertBlobs, [blobs.map(([hash]) => hash), blobs.map(([, body]) => body)]);
      }
      for (const [table, rows] of lastRowPerKey(accepted)) {
        await client.query(this.upsertOf(table), [JSON.stringify(rows)]);
      }
      for (const write of accepted) {
        for (const statement of write.statements ?? []) {
          const result = await client.query(statement.text, statement.values);
          try {
            statement.check?.(result);
          } catch (error) {
            refused.set(write, error);
          }
        }
      }
      await client.query('COMMIT');
    } catch (error) {
      await client?.query('ROLLBACK').catch(() => {});
      const code = (error as { code?: unknown }).code;
      if (mayRetry && (code === '40P01' || code === '40001')) return true;
      const failed = this.failure(error);
      for (const write of batch) write.reject(failed);
      return false;
    } finally {
      client?.release();
    }
    for (const write of batch) {
      const error = refused.get(write);
      if (error === undefined) write.resolve();
      else write.reject(error);
    }
    return false;
  }

  private upsertOf(table: BatchedTable): string {
    let text = this.upserts.get(table);
    if (text === undefined) {
      text = batchUpsertSql(table);
      this.upserts.set(table, text);
    }
    return text;
  }
}

/** The rows of the accepted writes by table, the last row of each key only, in first-seen order. */
function lastRowPerKey(writes: readonly QueuedWrite[]): Map<BatchedTable, unknown[][]> {
  const byTable = new Map<BatchedTable, Map<string, unknown[]>>();
  for (const write of writes) {
    for (const [table, row] of write.rows ?? []) {
      const keyWidth = batchedTables[table].key.length;
      const rows = byTable.get(table) ?? new Map<string, unknown[]>();
      rows.set(JSON.stringify(row.slice(0, keyWidth)), row);
      byTable.set(table, rows);
    }
  }
  return new Map([...byTable].map(([table, rows]) => [table, [...rows.values()]]));
}
