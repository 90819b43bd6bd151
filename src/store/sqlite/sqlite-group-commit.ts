import type { BatonError } from '../../core/index.js';
import type { PutBlob } from '../shared/stored-value.js';
import type { sqlStatements } from './sqlite-statements.js';

/** The statements a queued write may run: the upserts the engine makes on its hot path. */
export type QueuedStatement = keyof Pick<
  typeof sqlStatements,
  'upsertStep' | 'upsertAttempt' | 'upsertCache' | 'insertEvent'
>;

/** One write waiting for its commit: its rows and blobs, encoded when it was called. */
export interface PendingWrite {
  rows: Array<[statement: QueuedStatement, parameters: unknown[]]>;
  blobs: Array<[hash: string, body: string]>;
  /** The run and lease epoch the write is made under, checked in the transaction that commits it. */
  fence?: [runId: string, epoch: number];
  /**
   * Throws to refuse the write, checked in the transaction that commits it (after the fence).
   * `batch` lives for that transaction: what one check learns (a run's last event seq) the next
   * check reads from it instead of querying again.
   */
  check?: (batch: BatchState) => void;
}

/** What the checks of one transaction learn, kept by the store once the transaction commits. */
export interface BatchState {
  /** The last event seq of each run the batch appended events to. */
  lastEventSeqs: Map<string, number>;
  /** Runs whose last appended event ended an execution (`run-end`): nothing to remember of them. */
  endedRuns: Set<string>;
}

/** How many leading parameters of each upsert are its row's key: a later upsert of a key replaces all of the row. */
const rowKeyWidth: Partial<Record<QueuedStatement, number>> = {
  upsertStep: 2,
  upsertAttempt: 3,
  upsertCache: 1,
};

/**
 * The rows of a batch worth running: for each key, its last upsert only. A quick step's start and
 * end (its record and its attempt) commit together, and the start rows would only be overwritten
 * in the same transaction. Rows of any other statement are all kept.
 */
export function lastOfEachRow(writes: readonly PendingWrite[]): Set<PendingWrite['rows'][number]> {
  const last = new Map<string, PendingWrite['rows'][number]>();
  const kept = new Set<PendingWrite['rows'][number]>();
  for (const write of writes) {
    for (const row of write.rows) {
      const width = rowKeyWidth[row[0]];
      if (width === undefined) {
        kept.add(row);
        continue;
      }
      let key: string = row[0];
      for (let index = 0; index < width; index++) key += `\u0000${row[1][index]}`;
      const replaced = last.get(key);
      if (replaced) kept.delete(replaced);
      last.set(key, row);
      kept.add(row);
    }
  }
  return kept;
}

interface Waiting extends PendingWrite {
  action: string;
  resolve(): void;
  reject(error: BatonError): void;
}

/**
 * Commits a turn of the event loop may make as soon as the work queued before them has run
 * (`process.nextTick`), before the loop turns: a chain of quick steps then waits for no turn
 * between a step's end and the next step, and still yields to the loop every few steps.
 */
const earlyCommitsPerTurn = 4;

/**
 * Group commit for `writeStep`, `appendEvents` and `writeCache`. A commit costs far more than a row (the WAL
 * frames, and now and then a checkpoint's fsync), and a fan-out of a thousand steps writes a
 * thousand records (and as many cache entries) in the same tick; so writes made while the
 * promise callbacks of one tick run share one transaction, committed once they have all run
 * (`process.nextTick`). Beyond a few such commits in a turn of the event loop (quick timers ending
 * one after another, each in its own tick), writes wait for the loop to turn (`setImmediate`) and
 * share one transaction. That also lets a quick step's start and end commit together. Each write
 * is still whole (all its rows, or none), its promise resolves only once it is committed, and a
 * write is encoded when it is called, so the caller may change its record straight away.
 */
export class WriteQueue {
  private pending: Waiting[] = [];
  /** Commits made this turn at the end of a tick; reset when the loop turns. */
  private early = 0;

  constructor(
    /** Applies writes in one IMMEDIATE transaction, throwing if it rolled back. */
    private readonly commit: (writes: readonly PendingWrite[]) => void,
    /** The error a caller sees when `action` (such as 'write a step') failed. */
    private readonly failure: (error: unknown, action: string) => BatonError,
  ) {}

  /** Queues the rows `encode` returns; `encode` runs now and adds each large value through `putBlob`. */
  write(
    action: string,
    encode: (putBlob: PutBlob) => PendingWrite['rows'],
    fence?: PendingWrite['fence'],
    check?: PendingWrite['check'],
  ): Promise<void> {
    const blobs: PendingWrite['blobs'] = [];
    let rows: PendingWrite['rows'];
    try {
      rows = encode((hash, body) => blobs.push([hash, body]));
    } catch (error) {
      return Promise.reject(this.failure(error, action));
    }
    return new Promise((resolve, reject) => {
      const waiting: Waiting = { rows, blobs, action, resolve, reject };
      if (fence) waiting.fence = fence;
      if (check) waiting.check = check;
      this.pending.push(waiting);
      if (this.pending.length === 1) this.schedule();
    });
  }

  private schedule(): void {
    if (this.early >= earlyCommitsPerTurn) {
      setImmediate(this.flushPending);
      return;
    }
    if (this.early === 0) setImmediate(this.turned);
    this.early++;
    process.nextTick(this.flushPending);
  }

  private readonly flushPending = (): void => this.flush();

  private readonly turned = (): void => {
    this.early = 0;
  };

  /** Commits what is waiting. Reads call it first, so they see every write made before them. */
  flush(): void {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    try {
      this.commit(batch);
      for (const write of batch) write.resolve();
      return;
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(this.failure(error, batch[0].action));
        return;
      }
    }
    // The batch rolled back: commit each alone, so one bad write fails only its own caller.
    for (const write of batch) {
      try {
        this.commit([write]);
        write.resolve();
      } catch (error) {
        write.reject(this.failure(error, write.action));
      }
    }
  }
}
