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
  /** Throws to refuse the write, checked in the transaction that commits it (after the fence). */
  check?: () => void;
}

interface Waiting extends PendingWrite {
  action: string;
  resolve(): void;
  reject(error: BatonError): void;
}

/**
 * Group commit for `writeStep`, `appendEvents` and `writeCache`. A commit costs far more than a row (the WAL
 * frames, and now and then a checkpoint's fsync), and a fan-out of a thousand steps writes a
 * thousand records (and as many cache entries) in the same tick; so writes made before the event
 * loop turns (`setImmediate`) share one transaction. That also lets a quick step's start and end
 * commit together. Each write is still whole (all its rows, or none), its promise
 * resolves only once it is committed, and a write is encoded when it is called, so the caller may
 * change its record straight away.
 */
export class WriteQueue {
  private pending: Waiting[] = [];

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
    let encoded: PendingWrite;
    try {
      const blobs: PendingWrite['blobs'] = [];
      const rows = encode((hash, body) => blobs.push([hash, body]));
      encoded = fence ? { rows, blobs, fence } : { rows, blobs };
      if (check) encoded.check = check;
    } catch (error) {
      return Promise.reject(this.failure(error, action));
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ ...encoded, action, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

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
