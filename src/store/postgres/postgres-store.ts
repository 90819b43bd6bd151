import pg from 'pg';
import {
  type AttemptRecord,
  BatonError,
  type CacheEntry,
  type EventRange,
  eventOutOfOrder,
  type Fence,
  type JournaledEvent,
  type RunFilter,
  type RunPatch,
  type RunRecord,
  type StepRecord,
  type Store,
  type SubCallRecord,
} from '../../core/index.js';
import {
  type AttemptRow,
  attemptParameters,
  type CacheRow,
  cacheParameters,
  type RunRow,
  runParameters,
  type StepRow,
  type SubCallRow,
  stepParameters,
  subCallParameters,
  toAttemptRecord,
  toCacheEntry,
  toRunRecord,
  toStepRecord,
  toSubCallRecord,
} from '../shared/journal-rows.js';
import { type GetBlob, storeValue } from '../shared/stored-value.js';
import { eventsChannel, PostgresEventFollower } from './postgres-event-follower.js';
import { migratePostgres, quoteIdentifier } from './postgres-migrations.js';
import { listRunsQuery, postgresSql as sql } from './postgres-statements.js';
import { PostgresWriteQueue, type QueuedWrite } from './postgres-write-queue.js';

export interface PostgresStoreOptions {
  /** `postgres://user@host:5432/database`. Default: the `DATABASE_URL` environment variable. */
  connectionString?: string;
  /** The schema the journal's tables live in; created when missing. Default `baton`. */
  schema?: string;
  /** Connections in the pool. Default 10. */
  maxConnections?: number;
}

// BIGINT columns hold epoch milliseconds, well inside a double's exact range.
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format),
};

type Queryable = pg.Pool | pg.PoolClient;

/**
 * The journal in PostgreSQL, shared by every process and machine that points at it. The tables
 * are SQLite's, so the same row codec reads both. Writes are group-committed in the order they
 * were made (the runner does not wait between an attempt's start and its end); a fenced write's
 * transaction holds a share lock on the run's lease row, so it cannot land after another owner's
 * claim.
 *
 * @example
 * ```ts
 * const store = await createPostgresStore({ connectionString: 'postgres://localhost/app' });
 * const engine = createEngine({ store });
 * ```
 */
export class PostgresStore implements Store {
  readonly schema: string;
  /** @internal The distributed workers run their commits on the store's pool. */
  readonly pool: pg.Pool;
  private readonly where: string;
  private readonly queue: PostgresWriteQueue;
  private readonly follower: PostgresEventFollower;

  private constructor(pool: pg.Pool, schema: string, where: string) {
    this.pool = pool;
    this.schema = schema;
    this.where = where;
    this.queue = new PostgresWriteQueue(
      () => pool.connect(),
      (error) => this.failure(error, 'write to the journal'),
    );
    this.follower = new PostgresEventFollower(() => pool.connect(), schema);
  }

  /** Connects, migrates the schema, and returns the store. */
  static async open(options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const connectionString = options.connectionString ?? process.env.DATABASE_URL;
    if (!connectionString) {
      throw new BatonError('STORE_UNAVAILABLE', 'No PostgreSQL connection string was given.', {
        hint: 'Pass { connectionString } to createPostgresStore, or set DATABASE_URL.',
      });
    }
    const schema = options.schema ?? 'baton';
    const where = `${redact(connectionString)} (schema ${schema})`;
    const pool = new pg.Pool({
      connectionString,
      max: options.maxConnections ?? 10,
      types,
      options: `-c search_path=${quoteIdentifier(schema)}`,
    });
    // An idle client's error (the server restarted) must not crash the process; the next query reports it.
    pool.on('error', () => {});
    const store = new PostgresStore(pool, schema, where);
    try {
      const client = await pool.connect();
      try {
        await migratePostgres(client, schema, where);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end();
      throw store.failure(error, 'open');
    }
    return store;
  }

  async createRun(run: RunRecord): Promise<void> {
    await this.inTransaction('create a run', async (client) => {
      const blobs: Array<[string, string]> = [];
      const parameters = runParameters(run, (hash, body) => blobs.push([hash, body]));
      await putBlobs(client, blobs);
      try {
        await client.query(sql.insertRun, parameters);
      } catch (error) {
        if ((error as { code?: string }).code !== '23505') throw error;
        throw new BatonError(
          'STORE_CONFLICT',
          `A run with id "${run.id}" is already in the journal at ${this.where}.`,
          {
            cause: error,
            hint: 'Start the run with another id, or resume the existing run.',
            details: { runId: run.id },
          },
        );
      }
    });
  }

  updateRun(runId: string, patch: RunPatch, fence?: Fence): Promise<void> {
    const columns: string[] = [];
    const values: unknown[] = [];
    const set = (column: string, value: unknown) => {
      values.push(value);
      columns.push(`${column} = $${values.length}`);
    };
    if (patch.status !== undefined) set('status', patch.status);
    if (patch.endedAt !== undefined) set('ended_at', patch.endedAt);
    if (patch.error !== undefined) set('error', patch.error === null ? null : JSON.stringify(patch.error));
    if (patch.usage !== undefined) set('usage', JSON.stringify(patch.usage));
    if (patch.costUsd !== undefined) set('cost_usd', patch.costUsd);
    const blobs: Array<[string, string]> = [];
    if (patch.output !== undefined) {
      const [json, blob] = storeValue(patch.output, (hash, body) => blobs.push([hash, body]));
      set('output', json);
      set('output_blob', blob);
    }
    values.push(runId);
    const assignments = columns.length > 0 ? columns.join(', ') : 'id = id';
    return this.queue.write({
      runId,
      fence,
      blobs,
      statements: [
        {
          text: `UPDATE runs SET ${assignments} WHERE id = $${values.length}`,
          values,
          check: (result) => {
            if (result.rowCount !== 0) return;
            throw new BatonError(
              'RUN_NOT_FOUND',
              `No run with id "${runId}" in the journal at ${this.where}.`,
              {
                hint: 'Create the run before updating it; check the connection string and schema.',
                details: { runId },
              },
            );
          },
        },
      ],
    });
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    await this.settled();
    return this.attempt('read a run', async () => {
      const { rows } = await this.pool.query<RunRow>(sql.selectRun, [runId]);
      const row = rows[0];
      return row && toRunRecord(row, await this.blobsFor(this.pool, [row]));
    });
  }

  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    await this.settled();
    return this.attempt('list runs', async () => {
      const { text, values } = listRunsQuery(filter);
      const { rows } = await this.pool.query<RunRow>(text, values);
      const getBlob = await this.blobsFor(this.pool, rows);
      return rows.map((row) => toRunRecord(row, getBlob));
    });
  }

  /** `lease` names the lease the fence is checked against: a distributed worker leases one step. */
  writeStep(step: StepRecord, attempt?: AttemptRecord, fence?: Fence, lease = step.runId): Promise<void> {
    const blobs: Array<[string, string]> = [];
    const rows: NonNullable<QueuedWrite['rows']> = [
      ['steps', stepParameters(step, (hash, body) => blobs.push([hash, body]))],
    ];
    if (attempt) rows.push(['attempts', attemptParameters(attempt)]);
    return this.queue.write({ runId: lease, fence, blobs, rows });
  }

  /** Shares the group commit of the journal's writes; notifies followers when it commits. */
  appendEvents(runId: string, events: readonly JournaledEvent[], fence?: Fence): Promise<void> {
    const first = events[0];
    if (first === undefined) return Promise.resolve();
    const gap = events.findIndex((event, index) => event.seq !== first.seq + index);
    if (gap >= 0) return Promise.reject(eventOutOfOrder(runId, events[gap]?.seq ?? 0, first.seq + gap - 1));
    const rows = JSON.stringify(events.map((event) => [event.seq, event.type, JSON.stringify(event)]));
    return this.queue.write({
      runId,
      fence,
      blobs: [],
      statements: [
        {
          text: sql.insertEvents,
          values: [runId, rows, first.seq - 1],
          check: (result) => {
            if (result.rowCount !== events.length) throw eventOutOfOrder(runId, first.seq);
          },
        },
        { text: sql.notifyEvents, values: [eventsChannel, `${this.schema}:${runId}`] },
      ],
    });
  }

  async readEvents(runId: string, range: EventRange = {}): Promise<JournaledEvent[]> {
    await this.settled();
    return this.attempt('read events', async () => {
      const { rows } = await this.pool.query<{ body: string }>(sql.selectEvents, [
        runId,
        range.after ?? 0,
        range.limit ?? null,
      ]);
      return rows.map((row) => JSON.parse(row.body) as JournaledEvent);
    });
  }

  async lastEventSeq(runId: string): Promise<number> {
    await this.settled();
    return this.attempt('read the last event', async () => {
      const { rows } = await this.pool.query<{ seq: number }>(sql.selectLastEventSeq, [runId]);
      return rows[0]?.seq ?? 0;
    });
  }

  /** Wakes `onWake` when any process appends events to the run (LISTEN/NOTIFY). */
  followEvents(runId: string, onWake: () => void): () => void {
    return this.follower.follow(runId, onWake);
  }

  async listSteps(runId: string): Promise<StepRecord[]> {
    await this.settled();
    return this.attempt('list steps', async () => {
      const { rows } = await this.pool.query<StepRow>(sql.selectSteps, [runId]);
      const getBlob = await this.blobsFor(this.pool, rows);
      return rows.map((row) => toStepRecord(row, getBlob));
    });
  }

  async listAttempts(runId: string, path?: string): Promise<AttemptRecord[]> {
    await this.settled();
    return this.attempt('list attempts', async () => {
      const { rows } =
        path === undefined
          ? await this.pool.query<AttemptRow>(sql.selectAttempts, [runId])
          : await this.pool.query<AttemptRow>(sql.selectPathAttempts, [runId, path]);
      return rows.map(toAttemptRecord);
    });
  }

  writeSubCall(call: SubCallRecord, fence?: Fence, lease = call.runId): Promise<void> {
    const blobs: Array<[string, string]> = [];
    const values = subCallParameters(call, (hash, body) => blobs.push([hash, body]));
    return this.queue.write({
      runId: lease,
      fence,
      blobs,
      rows: [['sub_calls', values]],
    });
  }

  /** One statement decides: of processes inserting at once, one inserts and the rest read its record. */
  insertSubCall(call: SubCallRecord): Promise<SubCallRecord | undefined> {
    return this.inTransaction('insert a sub-call', async (client) => {
      const blobs: Array<[string, string]> = [];
      const parameters = subCallParameters(call, (hash, body) => blobs.push([hash, body]));
      await putBlobs(client, blobs);
      const inserted = await client.query(sql.insertSubCallOnce, parameters);
      if (inserted.rowCount === 1) return undefined;
      const { rows } = await client.query<SubCallRow>(sql.selectSubCall, [
        call.runId,
        call.path,
        call.sequence,
      ]);
      const row = rows[0] as SubCallRow;
      return toSubCallRecord(row, await this.blobsFor(client, [row]));
    });
  }

  async listSubCalls(runId: string, path: string): Promise<SubCallRecord[]> {
    await this.settled();
    return this.attempt('list sub-calls', async () => {
      const { rows } = await this.pool.query<SubCallRow>(sql.selectSubCalls, [runId, path]);
      const getBlob = await this.blobsFor(this.pool, rows);
      return rows.map((row) => toSubCallRecord(row, getBlob));
    });
  }

  claimRun(runId: string, owner: string, until: number, now: number): Promise<number | undefined> {
    return this.attempt('claim a run', async () => {
      const { rows } = await this.pool.query<{ epoch: number }>(sql.claimLease, [runId, owner, until, now]);
      return rows[0]?.epoch;
    });
  }

  async releaseRun(runId: string, owner: string): Promise<void> {
    await this.settled();
    await this.attempt('release a run', () => this.pool.query(sql.releaseLease, [runId, owner]));
  }

  async readCache(key: string): Promise<CacheEntry | undefined> {
    await this.settled();
    return this.attempt('read a cache entry', async () => {
      const { rows } = await this.pool.query<CacheRow>(sql.selectCache, [key]);
      const row = rows[0];
      return row && toCacheEntry(row, await this.blobsFor(this.pool, [row]));
    });
  }

  /** Shares the group commit of the journal's writes: a fan-out caching each item's result pays one commit. */
  writeCache(entry: CacheEntry): Promise<void> {
    const blobs: Array<[string, string]> = [];
    const values = cacheParameters(entry, (hash, body) => blobs.push([hash, body]));
    return this.queue.write({
      runId: '',
      fence: undefined,
      blobs,
      rows: [['cache', values]],
    });
  }

  async rememberDefinitionSource(workflowHash: string, source: string, now: number): Promise<void> {
    await this.attempt('record a workflow file', () =>
      this.pool.query(sql.upsertWorkflowFile, [workflowHash, source, now]),
    );
  }

  async definitionSource(workflowHash: string): Promise<string | undefined> {
    return this.attempt('read a workflow file', async () => {
      const { rows } = await this.pool.query<{ path: string }>(sql.selectWorkflowFile, [workflowHash]);
      return rows[0]?.path;
    });
  }

  /** Waits for the writes in flight, then closes the pool. */
  async close(): Promise<void> {
    await this.follower.close();
    await this.queue.idle();
    await this.pool.end();
  }

  /** Reads see every write made before them. */
  private async settled(): Promise<void> {
    await this.queue.idle();
  }

  /** @internal */
  async inTransaction<T>(action: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.attempt(action, async () => {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    });
  }

  private async attempt<T>(action: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.failure(error, action);
    }
  }

  private failure(error: unknown, action: string): BatonError {
    if (BatonError.is(error)) return error;
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    // Serialization failures, deadlocks and lost connections pass; retrying the write is safe.
    const retryable =
      code === '40001' ||
      code === '40P01' ||
      code === '57P01' ||
      code === 'ECONNREFUSED' ||
      code === 'ECONNRESET';
    return new BatonError(
      'STORE_UNAVAILABLE',
      `Could not ${action} in the PostgreSQL journal at ${this.where}: ${message}`,
      {
        cause: error,
        retryable,
        hint: retryable
          ? 'The database was briefly unavailable; retry.'
          : 'Check that PostgreSQL is running, that the connection string is right, and that the user may write the schema.',
        details: { where: this.where, ...(typeof code === 'string' ? { postgresCode: code } : {}) },
      },
    );
  }

  /**
   * A blob reader for rows: the bodies their queries joined, and every blob those bodies refer
   * to, fetched level by level (a body can point at further blobs).
   */
  /** @internal */
  async blobsFor(client: Queryable, rows: readonly object[]): Promise<GetBlob> {
    const bodies = new Map<string, string>();
    let wanted = new Set<string>();
    const scan = (text: string | null | undefined) => {
      if (!text) return;
      for (const match of text.matchAll(/\{"\$blob":"([0-9a-f]{64})"\}/g)) {
        const hash = match[1] as string;
        if (!bodies.has(hash)) wanted.add(hash);
      }
    };
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        if (column.endsWith('_body') && typeof value === 'string') {
          const hash = (row as Record<string, unknown>)[column.replace(/_body$/, '_blob')];
          if (typeof hash === 'string') bodies.set(hash, value);
          scan(value);
        }
      }
    }
    while (wanted.size > 0) {
      const hashes = [...wanted];
      wanted = new Set();
      const { rows: found } = await client.query<{ hash: string; body: string }>(sql.selectBlobs, [hashes]);
      for (const { hash, body } of found) {
        bodies.set(hash, body);
        scan(body);
      }
    }
    return (hash) => bodies.get(hash);
  }
}

async function putBlobs(client: pg.PoolClient, blobs: ReadonlyArray<[string, string]>): Promise<void> {
  if (blobs.length === 0) return;
  await client.query(sql.insertBlobs, [blobs.map(([hash]) => hash), blobs.map(([, body]) => body)]);
}

// A password in a connection string must not reach an error message or a log.
function redact(connectionString: string): string {
  return connectionString.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
