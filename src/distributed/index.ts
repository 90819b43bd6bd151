/**
 * Distributed execution on PostgreSQL and graphile-worker: `baton/worker`. Workers run the step
 * attempts of runs that any process starts, decides, cancels or resumes.
 * @module
 */
export type { CommitResult } from './commit-step.js';
export {
  createDistributedRuns,
  type Decision,
  type DistributedRuns,
  type DistributedRunsOptions,
  type Overview,
  type QueuedJob,
  type StartOptions,
} from './distributed-runs.js';
export type { JobOutcome } from './run-step-job.js';
export {
  postgresRateBudget,
  SharedConcurrencyGate,
  type SharedLimitsOptions,
  sharedRateLimiters,
} from './shared-limits.js';
export { defaultQueue, type StepJob, taskOf } from './step-queue.js';
export { type BatonWorker, createWorker, type WorkerHealth, type WorkerOptions } from './worker.js';
