import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import {
  type AttemptRecord,
  BatonError,
  type CacheEntry,
  type EventRange,
  eventOutOfOrder,
  type Fence,
  type JournaledEvent,
  leaseLost,
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
import { type GetBlob, type PutBlob, storeValue } from '../shared/stored-value.js';
import { openDatabase } from './sqlite-driver.js';
import { storeFailure } from './sqlite-errors.js';
import { type BatchState, lastOfEachRow, type PendingWrite, WriteQueue } from './sqlite-group-commit.js';
import { assertJournalFile, enableWriteAheadLog, migrateJournal } from './sqlite-migrations.js';
import { listRunsQuery, sqlStatements } from './sqlite-statements.js';

export interface SqliteStoreOptions {
  /** How long a write waits for another process holding the database before it fails. Default 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * When a commit reaches the disk. `'normal'` (the default): a commit survives the process
   * crashing or being killed, but a power loss or an operating-system crash may undo the last
   * commits (never corrupt the file); the log is synced at checkpoints. `'full'`: each commit is
   * synced before its write resolves, so it also survives a power loss, at the cost of one fsync
   * per commit.
   */
  synchronous?: 'normal' | 'full';
}

const synchronousModes = ['normal', 'full'] as const;

type Statement = Database.Statement<unknown[]>;

/**
 * The journal in one SQLite file, in WAL mode, so readers never wait for the writer and two
 * processes can share the file. Each `writeStep` commits whole, step and attempt together, before
 * its promise resolves; writes made while one tick's callbacks run, cache entries included, share
 * one transaction (tests that fake timers must leave `process.nextTick` and `setImmediate` real). Claims are one statement, so they are atomic across processes. Large values (step
 * outputs, cached results) are stored once by content hash.
 *
 * @example
 * ```ts
 * const store = new SqliteStore('.baton/baton.db');
 * const engine = createEngine({ store });
 * const result = await engine.run(definition, { input });
 * await store.close();
 * ```
 */
export class SqliteStore implements Store {
  /** The absolute path of the database file. */
  readonly path: string;
  private readonly database: Database.Database;
  private readonly statements: Record<keyof typeof sqlStatements, Statement>;
  private readonly filtered = new Map<string, Statement>();
  private readonly putBlob: PutBlob;
  private readonly getBlob: GetBlob;
  private readonly writes: WriteQueue;
  private readonly createRunOnce: (run: RunRecord) => void;
  private readonly writeSubCallOnce: (call: SubCallRecord, fence?: Fence) => void;
  private readonly insertSubCallOnce: (call: SubCallRecord) => SubCallRecord | undefined;
  /** Throws `LEASE_LOST` unless the run's lease has epoch `fence`; call inside a transaction. */
  private readonly checkFence: (runId: string, fence: Fence | undefined) => void;
  /** The last event seq committed by this store, by run (the runs it journaled events of while open). */
  private readonly lastEventSeqs = new Map<string, number>();

  constructor(path: string, options: SqliteStoreOptions = {}) {
    this.path = resolve(path);
    const timeout = options.busyTimeoutMs ?? 5000;
    const synchronous = options.synchronous ?? 'normal';
    if (!synchronousModes.includes(synchronous)) {
      throw new BatonError(
        'INPUT_INVALID',
        `SqliteStore option synchronous must be 'normal' or 'full', not ${JSON.stringify(synchronous)}.`,
        {
          hint: "Leave it out for 'normal', or give 'full' for commits that survive a power loss.",
          details: { synchronous },
        },
      );
    }
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      assertJournalFile(this.path, timeout);
      this.database = openDatabase(this.path, { timeout });
    } catch (error) {
      throw storeFailure(error, 'open', this.path);
    }
    try {
      enableWriteAheadLog(this.database, timeout);
      // With WAL, NORMAL loses no committed transaction when the process dies, only on power loss.
      this.database.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      // Checkpoints are where WAL mode syncs to disk; a 16 MiB log makes them four times rarer.
      this.database.pragma('wal_autocheckpoint = 4000');
      migrateJournal(this.database, this.path);
      const prepared = Object.entries(sqlStatements).map(([name, sql]) => [name, this.database.prepare(sql)]);
      this.statements = Object.fromEntries(prepared) as typeof this.statements;
    } catch (error) {
      this.database.close();
      throw storeFailure(error, 'open', this.path);
    }
    const { insertBlob, selectBlob, insertRun, upsertSubCall, selectEpoch } = this.statements;
    this.putBlob = (hash, body) => insertBlob.run(hash, body);
    this.getBlob = (hash) => selectBlob.pluck().get(hash) as string | undefined;
    const readEpoch = selectEpoch.pluck();
    this.checkFence = (runId, fence) => {
      if (fence === undefined) return;
      const epoch = readEpoch.get(runId) as number | undefined;
      if (epoch !== fence) throw leaseLost(runId, fence, epoch);
    };
    const commitWrites = this.database.transaction((writes: readonly PendingWrite[], batch: BatchState) => {
      const fences = new Set<string>();
      const kept = lastOfEachRow(writes);
      for (const write of writes) {
        if (write.fence && !fences.has(`${write.fence[0]}\u0000${write.fence[1]}`)) {
          this.checkFence(...write.fence);
          fences.add(`${write.fence[0]}\u0000${write.fence[1]}`);
        }
        write.check?.(batch);
        for (const [hash, body] of write.blobs) insertBlob.run(hash, body);
        for (const row of write.rows) if (kept.has(row)) this.statements[row[0]].run(...row[1]);
      }
    });
    // IMMEDIATE takes the write lock first, so a writer waits (busy timeout) instead of failing.
    this.writes = new WriteQueue(
      (writes) => {
        // The last event seqs the batch's checks learn are kept once committed: a run's next
        // events need no query for its last seq. A process that took the run over fails the
        // fence before this is read, and a seq taken twice fails the primary key.
        const batch: BatchState = { lastEventSeqs: new Map(), endedRuns: new Set() };
        commitWrites.immediate(writes, batch);
        for (const [runId, seq] of batch.lastEventSeqs) this.lastEventSeqs.set(runId, seq);
        for (const runId of batch.endedRuns) this.lastEventSeqs.delete(runId);
      },
      (error, action) => storeFailure(error, action, this.path),
    );
    this.createRunOnce = this.database.transaction((run: RunRecord) => {
      insertRun.run(...runParameters(run, this.putBlob));
    }).immediate;
    this.writeSubCallOnce = this.database.transaction((call: SubCallRecord, fence?: Fence) => {
      this.checkFence(call.runId, fence);
      upsertSubCall.run(...subCallParameters(call, this.putBlob));
    }).immediate;
    this.insertSubCallOnce = this.database.transaction((call: SubCallRecord) => {
      const inserted = this.statements.insertSubCallOnce.run(...subCallParameters(call, this.putBlob));
      if (inserted.changes === 1) return undefined;
      const row = this.statements.selectSubCall.get(call.runId, call.path, call.sequence) as SubCallRow;
      return toSubCallRecord(row, this.getBlob);
    }).immediate;
  }

  createRun(run: RunRecord): Promise<void> {
    return this.execute('create a run', () => {
      try {
        this.createRunOnce(run);
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw error;
        throw new BatonError(
          'STORE_CONFLICT',
          `A run with id "${run.id}" is already in the journal at ${this.path}.`,
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
    return this.execute('update a run', () => {
      const columns: string[] = [];
      const values: unknown[] = [];
      const set = (column: string, value: unknown) => {
        columns.push(column);
        values.push(value);
      };
      if (patch.status !== undefined) set('status', patch.status);
      if (patch.endedAt !== undefined) set('ended_at', patch.endedAt);
      if (patch.error !== undefined) set('error', patch.error === null ? null : JSON.stringify(patch.error));
      if (patch.usage !== undefined) set('usage', JSON.stringify(patch.usage));
      if (patch.costUsd !== undefined) set('cost_usd', patch.costUsd);
      const apply = this.database.transaction(() => {
        this.checkFence(runId, fence);
        if (patch.output !== undefined) {
          const [json, blob] = storeValue(patch.output, this.putBlob);
          set('output', json);
          set('output_blob', blob);
        }
        const sql = columns.length
          ? `UPDATE runs SET ${columns.map((column) => `${column} = ?`).join(', ')} WHERE id = ?`
          : 'UPDATE runs SET id = id WHERE id = ?';
        return this.prepared(sql).run(...values, runId).changes;
      });
      if (apply.immediate() === 0) {
        throw new BatonError('RUN_NOT_FOUND', `No run with id "${runId}" in the journal at ${this.path}.`, {
          hint: 'Create the run before updating it; check that the id and the database file are the ones you expect.',
          details: { runId },
        });
      }
    });
  }

  getRun(runId: string): Promise<RunRecord | undefined> {
    return this.execute('read a run', () => {
      const row = this.statements.selectRun.get(runId) as RunRow | undefined;
      return row && toRunRecord(row, this.getBlob);
    });
  }

  listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    return this.execute('list runs', () => {
      const { sql, values } = listRunsQuery(filter);
      return (this.prepared(sql).all(...values) as RunRow[]).map((row) => toRunRecord(row, this.getBlob));
    });
  }

  writeStep(step: StepRecord, attempt?: AttemptRecord, fence?: Fence): Promise<void> {
    return this.writes.write(
      'write a step',
      (putBlob) => {
        const rows: PendingWrite['rows'] = [['upsertStep', stepParameters(step, putBlob)]];
        if (attempt) rows.push(['upsertAttempt', attemptParameters(attempt)]);
        return rows;
      },
      fence === undefined ? undefined : [step.runId, fence],
    );
  }

  /** Shares the group commit of `writeStep`: a step's events commit with its records. */
  appendEvents(runId: string, events: readonly JournaledEvent[], fence?: Fence): Promise<void> {
    const first = events[0];
    if (first === undefined) return Promise.resolve();
    const lastSeq = this.statements.selectLastEventSeq.pluck();
    return this.writes.write(
      'append events',
      () =>
        events.map((event): PendingWrite['rows'][number] => [
          'insertEvent',
          [runId, event.seq, event.type, JSON.stringify(event)],
        ]),
      fence === undefined ? undefined : [runId, fence],
      (batch) => {
        const follows = (last: number) => events.every((event, index) => event.seq === last + index + 1);
        let last = batch.lastEventSeqs.get(runId) ?? this.lastEventSeqs.get(runId);
        // What this store remembers may be behind another writer of the file: the database decides.
        if (last === undefined || !follows(last)) last = lastSeq.get(runId) as number;
        const outOfOrder = events.findIndex((event, index) => event.seq !== last + index + 1);
        if (outOfOrder >= 0) {
          throw eventOutOfOrder(runId, events[outOfOrder]?.seq ?? 0, last + outOfOrder);
        }
        // These rows are inserted next, in the same transaction.
        batch.lastEventSeqs.set(runId, last + events.length);
        if (events.at(-1)?.type === 'run-end') batch.endedRuns.add(runId);
        else batch.endedRuns.delete(runId);
      },
    );
  }

  readEvents(runId: string, range: EventRange = {}): Promise<JournaledEvent[]> {
    return this.execute('read events', () =>
      (this.statements.selectEvents.pluck().all(runId, range.after ?? 0, range.limit ?? -1) as string[]).map(
        (body) => JSON.parse(body) as JournaledEvent,
      ),
    );
  }

  lastEventSeq(runId: string): Promise<number> {
    return this.execute(
      'read the last event',
      () => this.statements.selectLastEventSeq.pluck().get(runId) as number,
    );
  }

  listSteps(runId: string): Promise<StepRecord[]> {
    return this.execute('list steps', () =>
      (this.statements.selectSteps.all(runId) as StepRow[]).map((row) => toStepRecord(row, this.getBlob)),
    );
  }

  listAttempts(runId: string, path?: string): Promise<AttemptRecord[]> {
    return this.execute('list attempts', () => {
      const rows =
        path === undefined
          ? this.statements.selectAttempts.all(runId)
          : this.statements.selectPathAttempts.all(runId, path);
      return (rows as AttemptRow[]).map(toAttemptRecord);
    });
  }

  writeSubCall(call: SubCallRecord, fence?: Fence): Promise<void> {
    return this.execute('write a sub-call', () => this.writeSubCallOnce(call, fence));
  }

  /** One IMMEDIATE transaction: of processes inserting at once, one inserts and the rest read its record. */
  insertSubCall(call: SubCallRecord): Promise<SubCallRecord | undefined> {
    return this.execute('insert a sub-call', () => this.insertSubCallOnce(call));
  }

  listSubCalls(runId: string, path: string): Promise<SubCallRecord[]> {
    return this.execute('list sub-calls', () =>
      (this.statements.selectSubCalls.all(runId, path) as SubCallRow[]).map((row) =>
        toSubCallRecord(row, this.getBlob),
      ),
    );
  }

  claimRun(runId: string, owner: string, until: number, now: number): Promise<number | undefined> {
    return this.execute(
      'claim a run',
      () => this.statements.claimLease.pluck().get(runId, owner, until, now) as number | undefined,
    );
  }

  rememberDefinitionSource(workflowHash: string, source: string, now: number): Promise<void> {
    return this.execute('record a workflow file', () => {
      this.statements.upsertWorkflowFile.run(workflowHash, source, now);
    });
  }

  definitionSource(workflowHash: string): Promise<string | undefined> {
    return this.execute(
      'read a workflow file',
      () => this.statements.selectWorkflowFile.pluck().get(workflowHash) as string | undefined,
    );
  }

  releaseRun(runId: string, owner: string): Promise<void> {
    return this.execute('release a run', () => {
      this.statements.releaseLease.run(runId, owner);
    });
  }

  readCache(key: string): Promise<CacheEntry | undefined> {
    return this.execute('read a cache entry', () => {
      const row = this.statements.selectCache.get(key) as CacheRow | undefined;
      return row && toCacheEntry(row, this.getBlob);
    });
  }

  /** Shares the group commit of `writeStep`: a fan-out caching each item's result pays one commit. */
  writeCache(entry: CacheEntry): Promise<void> {
    return this.writes.write('write a cache entry', (putBlob) => [
      ['upsertCache', cacheParameters(entry, putBlob)],
    ]);
  }

  /** Closes the database; the WAL is checkpointed into the main file when no other process has it open. */
  close(): Promise<void> {
    return this.execute('close', () => {
      this.database.close();
    });
  }

  /** Runs synchronous database work and reports a failure as a rejected BatonError. */
  private execute<T>(action: string, work: () => T): Promise<T> {
    try {
      this.writes.flush();
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(storeFailure(error, action, this.path));
    }
  }

  /** A statement whose text is built per call (a filter, a patch), prepared once per text. */
  private prepared(sql: string): Statement {
    let statement = this.filtered.get(sql);
    if (!statement) {
      statement = this.database.prepare(sql);
      this.filtered.set(sql, statement);
    }
    return statement;
  }
}

/**
 * Where the journal lives unless told otherwise: `.baton/baton.db` under the working directory.
 *
 * @example
 * ```ts
 * defaultSqlitePath('/srv/app'); // '/srv/app/.baton/baton.db'
 * ```
 */
export function defaultSqlitePath(directory: string = process.cwd()): string {
  return join(directory, '.baton', 'baton.db');
}

/**
 * Opens (creating if needed) the SQLite journal, by default `.baton/baton.db` under the working
 * directory.
 *
 * @example
 * ```ts
 * const engine = createEngine({ store: createSqliteStore() });
 * const other = createSqliteStore({ path: '/var/lib/baton/runs.db', busyTimeoutMs: 10_000 });
 * const powerSafe = createSqliteStore({ synchronous: 'full' });
 * ```
 */
export function createSqliteStore(options: SqliteStoreOptions & { path?: string } = {}): SqliteStore {
  const { path = defaultSqlitePath(), ...rest } = options;
  return new SqliteStore(path, rest);
}
