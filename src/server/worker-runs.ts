import type { WorkflowDefinition } from '../core/index.js';

/**
 * What the server needs of runs executed by workers: `createDistributedRuns` of `baton/worker`
 * over the same PostgreSQL journal. Each call journals and enqueues; none runs a step here.
 */
export interface WorkerRuns {
  start(
    definition: WorkflowDefinition,
    options?: { input?: unknown; queue?: string },
  ): Promise<{ runId: string }>;
  decide(
    runId: string,
    path: string,
    decision:
      | { action: 'approve'; by?: string; comment?: string; edit?: unknown; call?: number }
      | { action: 'reject'; by?: string; reason: string; call?: number },
  ): Promise<unknown>;
  cancel(runId: string): Promise<'marked' | 'ended'>;
  resume(runId: string): Promise<unknown>;
  /** Whether the run was started for workers; the others run in the server's process as before. */
  isDistributed(runId: string): Promise<boolean>;
  overview(): Promise<{ workers: object[]; jobs: object[] }>;
}

/** Runs started over HTTP go to workers: `baton serve --workers`. */
export interface WorkersOption {
  runs: WorkerRuns;
  /** The queue started runs' steps go to (only workers taking it run them). Default `default`. */
  queue?: string;
}
