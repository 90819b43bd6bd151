import { BatonError } from '../errors.js';
import type { RunRecord, Store } from '../ports/store.js';

/** The run with this id, or `RUN_NOT_FOUND` saying how to find the right one. */
export async function requireRun(store: Store, runId: string): Promise<RunRecord> {
  const run = await store.getRun(runId);
  if (run) return run;
  throw new BatonError('RUN_NOT_FOUND', `No run with id "${runId}" in this store.`, {
    hint: 'List runs with `baton runs`; check that you point at the same .baton directory or database.',
  });
}
