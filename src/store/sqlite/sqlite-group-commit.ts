import type { AttemptRecord, BatonError, StepRecord } from '../../core/index.js';
import { attemptParameters, stepParameters } from './sqlite-records.js';

/** One `writeStep` waiting for its commit: its parameters and blobs, encoded when it was called. */
export interface PendingStepWrite {
  step: unknown[];
  attempt: unknown[] | undefined;
  blobs: Array<[hash: string, body: string]>;
}

interface Waiting extends PendingStepWrite {
  resolve(): void;
  reject(error: BatonError): void;
}

/**
 * Group commit for `writeStep`. A commit costs far more than a row (the WAL frames, and now and
 * then a checkpoint's fsync), and a fan-out of a thousand steps writes a thousand records in the
 * same tick; so writes made before the next microtask share one transaction. Each write is still
 * whole (its step and attempt, or nothing), its promise resolves only once it is committed, and
 * a write is encoded when it is called, so the caller may change its record straight away.
 */
export class StepWriteQueue {
  private pending: Waiting[] = [];

  constructor(
    /** Applies writes in one IMMEDIATE transaction, throwing if it rolled back. */
    private readonly commit: (writes: readonly PendingStepWrite[]) => void,
    private readonly failure: (error: unknown) => BatonError,
  ) {}

  write(step: StepRecord, attempt: AttemptRecord | undefined): Promise<void> {
    let encoded: PendingStepWrite;
    try {
      const blobs: PendingStepWrite['blobs'] = [];
      const stepValues = stepParameters(step, (hash, body) => blobs.push([hash, body]));
      encoded = { step: stepValues, attempt: attempt && attemptParameters(attempt), blobs };
    } catch (error) {
      return Promise.reject(this.failure(error));
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ ...encoded, resolve, reject });
      if (this.pending.length === 1) queueMicrotask(() => this.flush());
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
        batch[0]?.reject(this.failure(error));
        return;
      }
    }
    // The batch rolled back: commit each alone, so one bad write fails only its own caller.
    for (const write of batch) {
      try {
        this.commit([write]);
        write.resolve();
      } catch (error) {
        write.reject(this.failure(error));
      }
    }
  }
}
